"""The organisation of the demo county 富锦市 (seed report, 2005): units and people.

Pure data. The fixed accounts are the ones docs/contracts.md promises to every other
engineer's tests; the rest of the staff is generated deterministically from a seed so
that every `init-demo` run yields the same county.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DEMO_PASSWORD = "Fujin@2005"


@dataclass(frozen=True)
class UnitSpec:
    key: str  # stable id used as the unit's id on the platform
    name: str
    kind: str  # county, government, office, center, bureau, town
    parent: str | None
    prefix: str = ""  # 发文字号 prefix of the unit's own documents (富财发 ...)


@dataclass(frozen=True)
class PersonSpec:
    username: str
    display_name: str
    unit: str  # UnitSpec.key
    roles: tuple[str, ...]
    title: str
    fixed: bool = False  # listed in docs/contracts.md: never change
    tags: tuple[str, ...] = field(default=())  # "mayor", "town_head", "town_clerk", ...


ROOT = "fujin"
GOV = "fujin-szf"  # 市政府
GOV_OFFICE = "fujin-szfb"  # 市政府办公室
INFO_CENTER = "fujin-xxzx"  # 市信息中心
# Outside bodies that send into the county's exchange (公文交换), each through one account.
PROVINCE_OFFICE = "ext-hlj-szfbgt"  # 黑龙江省人民政府办公厅
CITY_OFFICE = "ext-jms-szfb"  # 佳木斯市人民政府办公室

# Bureaus: (key suffix, name, 发文字号 prefix). The report names 财政 教育 民政 水务 统计
# 旅游 人事 劳动和社会保障 医保 科技与信息产业 and mentions 34 networked units.
BUREAUS: list[tuple[str, str, str]] = [
    ("czj", "市财政局", "富财"),
    ("jyj", "市教育局", "富教"),
    ("mzj", "市民政局", "富民"),
    ("swj", "市水务局", "富水"),
    ("tjj", "市统计局", "富统"),
    ("lyj", "市旅游局", "富旅"),
    ("rsj", "市人事局", "富人"),
    ("ldj", "市劳动和社会保障局", "富劳社"),
    ("ybj", "市医保局", "富医保"),
    ("kxj", "市科技与信息产业局", "富科信"),
    ("nyj", "市农业局", "富农"),
    ("gaj", "市公安局", "富公"),
    ("gtj", "市国土资源局", "富国土"),
    ("fgj", "市发展和改革局", "富发改"),
    ("wsj", "市卫生局", "富卫"),
    ("jtj", "市交通局", "富交"),
    ("jsj", "市建设局", "富建"),
    ("sjj", "市审计局", "富审"),
    ("hbj", "市环境保护局", "富环"),
    ("wtj", "市文化体育局", "富文体"),
    ("swuj", "市商务局", "富商"),
    ("xmj", "市畜牧局", "富牧"),
    ("lij", "市林业局", "富林"),
    ("sfj", "市司法局", "富司"),
    ("jcj", "市监察局", "富监"),
    ("ajj", "市安全生产监督管理局", "富安监"),
    ("lsj", "市粮食局", "富粮"),
    ("gdj", "市广播电视局", "富广电"),
    ("daj", "市档案局", "富档"),
    ("xzfw", "市行政服务中心", "富行服"),
]

# The 11 towns of the report, with the one-character prefix of their 发文字号.
TOWNS: list[tuple[str, str, str]] = [
    ("fujinzhen", "富锦镇", "富镇"),
    ("changan", "长安镇", "长政"),
    ("yanshan", "砚山镇", "砚政"),
    ("toulin", "头林镇", "头政"),
    ("xinglonggang", "兴隆岗镇", "兴政"),
    ("hongsheng", "宏胜镇", "宏政"),
    ("xiangyangchuan", "向阳川镇", "向政"),
    ("erlongshan", "二龙山镇", "二政"),
    ("shangjieji", "上街基镇", "上政"),
    ("jinshan", "锦山镇", "锦政"),
    ("dayushu", "大榆树镇", "大政"),
]


def bureau_key(suffix: str) -> str:
    return f"fujin-{suffix}"


def town_key(slug: str) -> str:
    return f"fujin-town-{slug}"


FINANCE = bureau_key("czj")
YANSHAN = town_key("yanshan")
CHANGAN = town_key("changan")


def units() -> list[UnitSpec]:
    """Every unit, parents before children."""
    out = [
        UnitSpec(ROOT, "富锦市", "county", None, "富"),
        UnitSpec(GOV, "市政府", "government", ROOT, "富政"),
        UnitSpec(GOV_OFFICE, "市政府办公室", "office", GOV, "富政办"),
        # The report: 市信息中心服从政府办的领导.
        UnitSpec(INFO_CENTER, "市信息中心", "center", GOV_OFFICE, "富信"),
    ]
    out += [UnitSpec(bureau_key(s), n, "bureau", GOV, p) for s, n, p in BUREAUS]
    out += [UnitSpec(town_key(s), n, "town", ROOT, p) for s, n, p in TOWNS]
    out += [UnitSpec(PROVINCE_OFFICE, "黑龙江省人民政府办公厅", "external", None, "黑政办"),
            UnitSpec(CITY_OFFICE, "佳木斯市人民政府办公室", "external", None, "佳政办")]
    return out


# 发文字号 series (prefix, the issuing body printed for it) of the units that issue
# documents in the demo: the 办公室 drafts and numbers the 市政府's documents too.
def unit_series() -> dict[str, list[tuple[str, str]]]:
    out = {GOV_OFFICE: [("富政发", "富锦市人民政府"), ("富政办发", "富锦市人民政府办公室"),
                        ("富政函", "富锦市人民政府"), ("富政办函", "富锦市人民政府办公室")]}
    for slug, name, prefix in TOWNS:
        out[town_key(slug)] = [(f"{name}请", f"富锦市{name}人民政府"),
                               (f"{prefix}发", f"富锦市{name}人民政府")]
    return out


# docs/contracts.md "Demo county": keep exactly.
FIXED_PEOPLE: list[PersonSpec] = [
    PersonSpec("admin", "系统管理员", INFO_CENTER, ("admin",), "网络管理员", True, ("admin",)),
    PersonSpec("wangli", "王丽", GOV_OFFICE, ("clerk",), "文书（收文登记）", True, ("county_clerk",)),
    PersonSpec("liuyang", "刘洋", GOV_OFFICE, ("staff", "reviewer"), "办公室主任（拟办、核稿）", True,
               ("proposer",)),
    PersonSpec("zhangjianguo", "张建国", GOV, ("leader",), "市长", True, ("mayor",)),
    PersonSpec("lihua", "李华", GOV, ("leader",), "副市长", True, ("vice_mayor",)),
    PersonSpec("chenming", "陈明", FINANCE, ("staff",), "局长", True, ("bureau_head",)),
    PersonSpec("zhouqiang", "周强", FINANCE, ("staff",), "科员", True, ("bureau_staff",)),
    PersonSpec("zhaoxin", "赵欣", GOV_OFFICE, ("publisher",), "信息科科长", True, ("publisher",)),
    PersonSpec("sunhaitao", "孙海涛", YANSHAN, ("staff",), "镇长", True, ("town_head",)),
    PersonSpec("zhengwei", "郑伟", CHANGAN, ("staff",), "党政办主任", True, ("town_proposer",)),
    # Exchange accounts: each stands for an outside body and sends its documents in.
    PersonSpec("hljsheng", "省政府办公厅收发", PROVINCE_OFFICE, ("exchange",), "公文交换", True,
               ("exchange",)),
    PersonSpec("jmsshi", "佳木斯市政府办收发", CITY_OFFICE, ("exchange",), "公文交换", True,
               ("exchange",)),
]

# Surnames common in Heilongjiang and given-name characters, with pinyin for usernames.
_SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"),
    ("于", "yu"), ("曲", "qu"), ("隋", "sui"), ("宫", "gong"), ("姜", "jiang"),
    ("关", "guan"), ("韩", "han"), ("冯", "feng"), ("董", "dong"), ("曹", "cao"),
    ("邹", "zou"), ("孟", "meng"), ("吕", "lv"), ("崔", "cui"), ("谭", "tan"),
    ("付", "fu"), ("闫", "yan"), ("尹", "yin"), ("范", "fan"), ("牛", "niu"),
]
_GIVEN = [
    ("志", "zhi"), ("国", "guo"), ("建", "jian"), ("军", "jun"), ("明", "ming"),
    ("华", "hua"), ("伟", "wei"), ("强", "qiang"), ("丽", "li"), ("敏", "min"),
    ("静", "jing"), ("秀", "xiu"), ("英", "ying"), ("芳", "fang"), ("红", "hong"),
    ("海", "hai"), ("涛", "tao"), ("波", "bo"), ("平", "ping"), ("刚", "gang"),
    ("勇", "yong"), ("杰", "jie"), ("峰", "feng"), ("磊", "lei"), ("春", "chun"),
    ("玉", "yu"), ("凤", "feng"), ("霞", "xia"), ("兰", "lan"), ("宝", "bao"),
    ("成", "cheng"), ("德", "de"), ("文", "wen"), ("东", "dong"), ("福", "fu"),
    ("庆", "qing"), ("长", "chang"), ("松", "song"), ("岩", "yan"), ("彬", "bin"),
    ("立", "li"), ("新", "xin"), ("忠", "zhong"), ("晓", "xiao"), ("艳", "yan"),
]


class _NameMaker:
    """Deterministic unique (display name, username) pairs."""

    def __init__(self, seed: int, taken: set[str], taken_names: set[str]) -> None:
        self.rng = random.Random(seed)
        self.taken = set(taken)
        self.taken_names = set(taken_names)

    def make(self) -> tuple[str, str]:
        while True:
            sur, sur_py = self.rng.choice(_SURNAMES)
            parts = self.rng.sample(_GIVEN, self.rng.choice((1, 2, 2, 2)))
            name = sur + "".join(c for c, _ in parts)
            username = sur_py + "".join(p for _, p in parts)
            if name in self.taken_names or username in self.taken:
                continue
            self.taken.add(username)
            self.taken_names.add(name)
            return name, username


def people(seed: int = 2005) -> list[PersonSpec]:
    """The fixed accounts first, then the generated staff of every unit."""
    out = list(FIXED_PEOPLE)
    maker = _NameMaker(
        seed, {p.username for p in FIXED_PEOPLE}, {p.display_name for p in FIXED_PEOPLE}
    )

    def add(unit: str, roles: tuple[str, ...], title: str, *tags: str) -> None:
        name, username = maker.make()
        out.append(PersonSpec(username, name, unit, roles, title, False, tags))

    add(GOV, ("leader",), "常务副市长", "vice_mayor")
    add(GOV, ("leader",), "副市长", "vice_mayor")
    add(GOV_OFFICE, ("staff",), "办公室副主任", "office_staff")
    add(GOV_OFFICE, ("staff",), "秘书科科员", "office_staff")
    add(GOV_OFFICE, ("clerk",), "机要员", "county_clerk2")
    add(INFO_CENTER, ("staff", "publisher"), "信息中心主任", "publisher2")
    add(INFO_CENTER, ("staff",), "技术员", "tech")
    for suffix, _name, _prefix in BUREAUS:
        key = bureau_key(suffix)
        if key == FINANCE:
            add(key, ("staff",), "副局长", "bureau_deputy")
            continue
        add(key, ("staff",), "局长" if "中心" not in _name else "主任", "bureau_head")
        add(key, ("staff",), "办公室主任", "bureau_staff")
    for slug, _name, _prefix in TOWNS:
        key = town_key(slug)
        if key != YANSHAN:
            # A 镇长 signs the town's own documents for issue (签发).
            add(key, ("staff", "leader"), "镇长", "town_head")
        if key != CHANGAN:
            add(key, ("staff",), "党政办主任", "town_proposer")
        add(key, ("clerk",), "党政办文书", "town_clerk")
    return out


def unit_name(key: str) -> str:
    for u in units():
        if u.key == key:
            return u.name
    raise KeyError(key)


def full_unit_name(key: str) -> str:
    """富锦市财政局, 富锦市砚山镇人民政府 ...: the name as written in a document."""
    name = unit_name(key)
    if key == GOV:
        return "富锦市人民政府"
    if key == GOV_OFFICE:
        return "富锦市人民政府办公室"
    if name.startswith("市"):
        return "富锦" + name
    if key.startswith("fujin-town-"):
        return f"富锦市{name}人民政府"
    return name
