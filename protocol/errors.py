"""The error-code catalogue shared by the client and the platform.

Every code either side raises or returns is listed once, with its English message
template (named parameters in braces, `str.format` style) and its kind. The client
renders a code + parameters through `client.messages` (Chinese from the translation
catalogue, context `errors`); the platform takes its problem titles from here.

A code may have *variants*: longer templates that need more parameters, used when the
error carries them (e.g. `auth.throttled` with `retry_after`).

Pure data: imports neither the client nor the platform.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from protocol.workflow_rules import MAX_OPINION_TEXT

# Kinds: what a person can do about it.
AUTH: Final = "auth"            # sign in again / ask the admin
CONFLICT: Final = "conflict"    # the world moved on (409/410, op `conflict`)
REJECTED: Final = "rejected"    # the platform refused (403/404/422, op `rejected`)
NETWORK: Final = "network"      # try again later
PROTOCOL: Final = "protocol"    # the other side does not follow PROTOCOL.md
STORAGE: Final = "storage"      # disk, cache, blob store
KEYRING: Final = "keyring"      # the OS keyring
CONFIG: Final = "config"        # a setting or a command-line argument
INPUT: Final = "input"          # what the user entered breaks a rule
INTERNAL: Final = "internal"    # a bug

KINDS: Final = (AUTH, CONFLICT, REJECTED, NETWORK, PROTOCOL, STORAGE, KEYRING, CONFIG, INPUT,
                INTERNAL)

# Rendered for a code this version does not know (a newer platform).
UNKNOWN_TEMPLATE: Final = "The platform reported an error this version does not know ({code})."


@dataclass(frozen=True)
class ErrorSpec:
    code: str
    template: str
    kind: str
    variants: tuple[str, ...] = ()
    # Parameters the template can do without being given (an op result carries none).
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def templates(self) -> tuple[str, ...]:
        return (*self.variants, self.template)

    def template_for(self, params: Mapping[str, Any]) -> str:
        """The first variant whose parameters are all given, else the plain template."""
        for variant in self.variants:
            if template_params(variant) <= params.keys():
                return variant
        return self.template


def template_params(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


_SPECS: tuple[ErrorSpec, ...] = (
    # --- sign-in and permissions ----------------------------------------------------------
    ErrorSpec("auth.invalid_credentials", "Wrong user name or password.", AUTH),
    ErrorSpec("auth.token_expired", "Your sign-in has expired. Please sign in again.", AUTH),
    ErrorSpec("auth.refresh_expired", "Your sign-in has expired. Please sign in again.", AUTH),
    ErrorSpec("auth.invalid_token", "Your sign-in is no longer valid. Please sign in again.",
              AUTH),
    ErrorSpec("auth.refresh_invalid", "Your sign-in is no longer valid. Please sign in again.",
              AUTH),
    ErrorSpec("auth.unauthenticated", "Your sign-in is no longer valid. Please sign in again.",
              AUTH),
    ErrorSpec("auth.session_revoked",
              "The sign-in of this device was revoked. Please sign in again.", AUTH),
    ErrorSpec("auth.refresh_reused",
              "The sign-in credentials of this device were used twice, so the platform "
              "revoked them. Please sign in again; if it was not you, contact the "
              "information centre.", AUTH),
    ErrorSpec("auth.required", "Please sign in first.", AUTH),
    ErrorSpec("auth.throttled", "Too many failed sign-ins. Please try again later.", AUTH,
              variants=("Too many failed sign-ins. Please try again in {retry_after} "
                        "seconds.",)),
    ErrorSpec("auth.user_inactive",
              "This account has been disabled. Please contact the administrator.", AUTH),
    ErrorSpec("auth.account_disabled",
              "This account has been disabled. Please contact the administrator.", AUTH),
    ErrorSpec("auth.forbidden", "You are not allowed to do this.", REJECTED),
    ErrorSpec("auth.offline_unavailable",
              "This account has never signed in online on this PC, so it cannot be opened "
              "offline. Sign in once while connected.", AUTH),
    ErrorSpec("auth.not_logged_in", "Not signed in. Please sign in first.", AUTH,
              variants=("Account {username} has not signed in on this PC. Please sign in "
                        "first.",)),
    ErrorSpec("auth.user_changed",
              "The account behind this user name has changed on the platform. Please "
              "contact the administrator. Nothing on this PC was changed.", AUTH),
    # --- network and platform availability --------------------------------------------------
    ErrorSpec("network.unreachable",
              "Cannot reach the platform. Check the network or the platform address.", NETWORK),
    ErrorSpec("network.first_login_unreachable",
              "Cannot reach the platform at {url}. This account has not signed in on this PC "
              "yet, and the first sign-in needs the platform: check the platform address "
              "and the network.", NETWORK),
    ErrorSpec("network.timeout",
              "The platform did not answer in time. Check the network and try again.", NETWORK),
    ErrorSpec("network.unavailable",
              "The platform is temporarily unavailable. Please try again later.", NETWORK),
    ErrorSpec("network.proxy",
              "Cannot reach the platform through the proxy server. Check the proxy settings.",
              NETWORK),
    ErrorSpec("network.proxy_refused",
              "The proxy server {proxy} refused the connection: check the proxy's address and "
              "port, or ask IT whether the proxy is running.", NETWORK),
    ErrorSpec("network.proxy_unknown_host",
              "The proxy server's name {host} cannot be found: check the proxy address in "
              "the settings or in HTTPS_PROXY.", NETWORK),
    ErrorSpec("network.proxy_auth",
              "The proxy server {proxy} asks for a user name and password, or refused the "
              "ones given (HTTP 407): put them in the proxy address "
              "(http://user:password@host:port) or ask IT.", NETWORK),
    ErrorSpec("network.proxy_forbidden",
              "The proxy server {proxy} does not let this PC reach the platform (HTTP 403): "
              "ask IT to allow the platform's address on the proxy.", NETWORK),
    ErrorSpec("network.proxy_upstream",
              "The proxy server {proxy} works, but could not reach the platform beyond it "
              "({answer}): check the platform address, whether the platform is running, and "
              "ask IT whether the proxy may reach it.", NETWORK),
    ErrorSpec("network.answer_lost",
              "Sent; the platform's answer has not arrived yet. It will be confirmed "
              "automatically at the next sync.", NETWORK),
    ErrorSpec("network.interrupted",
              "The connection to the platform broke. Please try again later.", NETWORK),
    ErrorSpec("tls.untrusted",
              "The platform's security certificate is not trusted: check the platform "
              "address, or ask the administrator to set the county's root certificate "
              "(ca_file).", NETWORK),
    ErrorSpec("tls.wrong_host",
              "The platform's certificate was issued for another name than the address "
              "used: connect with the name the certificate was issued for, or ask IT to "
              "issue one for this address.", NETWORK),
    ErrorSpec("server.unavailable",
              "The platform is temporarily unavailable. Please try again later.", NETWORK,
              variants=("The platform is temporarily unavailable (HTTP {status}). Please try "
                        "again later.",)),
    ErrorSpec("server.internal_error",
              "The platform had an internal error. Please try again later.", NETWORK),
    ErrorSpec("http.error", "The platform refused the request (HTTP {status}).", REJECTED),
    # --- protocol ---------------------------------------------------------------------------
    ErrorSpec("protocol.malformed",
              "The platform sent data that does not follow the protocol. Nothing was changed "
              "locally.", PROTOCOL),
    ErrorSpec("protocol.bad_change",
              "The platform sent change data in a wrong format. This sync changed nothing and "
              "will be retried later.", PROTOCOL),
    ErrorSpec("protocol.version",
              "The platform's protocol version {server} does not fit this client ({client}). "
              "Please upgrade the client or contact the administrator.", PROTOCOL),
    ErrorSpec("request.invalid", "The platform could not accept the request.", PROTOCOL),
    ErrorSpec("request.malformed_json", "The request was not valid JSON.", PROTOCOL),
    ErrorSpec("request.too_large", "The request is too large for the platform.", PROTOCOL),
    ErrorSpec("route.not_found", "The platform does not offer this function.", PROTOCOL),
    ErrorSpec("route.method_not_allowed", "The platform does not offer this function.",
              PROTOCOL),
    ErrorSpec("cursor.expired",
              "The local sync position has expired; a full sync is needed.", CONFLICT),
    ErrorSpec("cursor.diverged",
              "The platform was restored from a backup; this PC synchronises again from "
              "scratch and sends its recent operations again.", CONFLICT),
    ErrorSpec("cursor.invalid", "The platform did not recognise the local sync position.",
              PROTOCOL),
    ErrorSpec("op.invalid_data", "The platform refused the operation's data.", REJECTED),
    ErrorSpec("op.id_reused", "The operation's id was already used for another operation.",
              REJECTED),
    ErrorSpec("op.unknown_type", "The platform does not know this kind of operation.",
              REJECTED),
    # --- tasks and sign-off -----------------------------------------------------------------
    ErrorSpec("task.not_found",
              "This task is not on this PC or on the platform (it may have been withdrawn).",
              REJECTED),
    ErrorSpec("task.not_assignee",
              "This task is assigned to someone else; you cannot sign it.", REJECTED),
    ErrorSpec("task.not_pending", "This task has already been handled.", CONFLICT),
    ErrorSpec("task.cancelled",
              "The step was withdrawn or moved to someone else on the platform.", CONFLICT),
    ErrorSpec("task.choose",
              "Choose which of this document's tasks to sign again.", CONFLICT),
    ErrorSpec("task.decision_not_allowed",
              "This kind of task does not allow that decision or those recipients.", REJECTED),
    ErrorSpec("task.forward_required", "Please choose the people to send it to.", REJECTED),
    ErrorSpec("task.forward_to_self",
              "You cannot forward a task to yourself; choose someone else.", REJECTED),
    ErrorSpec("task.last_in_stage",
              "This is the last task of its step; it cannot be cancelled.", CONFLICT),
    ErrorSpec("task.same_assignee", "The task is already assigned to that person.", CONFLICT),
    # 留言 (note.send, docs/protocol.md "Conflicts in words")
    ErrorSpec("note.empty", "Write something to send.", INPUT),
    ErrorSpec("note.to_self", "Send the note to someone else.", REJECTED),
    ErrorSpec("note.recipient_not_allowed",
              "That person does not handle this document, so the note cannot go to them.",
              REJECTED),
    ErrorSpec("note.too_long", "The note is too long (at most {limit} characters).", INPUT,
              defaults={"limit": 4000}),
    # 撤回 (task.recall; the rule: protocol.workflow_rules.check_recall)
    ErrorSpec("task.recall_too_late",
              "Cannot recall: the next step has already been handled.", CONFLICT),
    ErrorSpec("task.recall_document_closed",
              "Cannot recall: the document has been archived.", CONFLICT),
    ErrorSpec("task.recall_already", "This sign-off has already been recalled.", CONFLICT),
    ErrorSpec("task.recall_not_signed",
              "Cannot recall: the platform has no record of this sign-off.", CONFLICT),
    ErrorSpec("task.recall_not_author", "Only the person who signed may recall a sign-off.",
              REJECTED),
    ErrorSpec("task.recall_nothing", "You have no sign-off on this document to recall.",
              CONFLICT),
    ErrorSpec("opinion.reason_required", "Please give a reason for returning it.", INPUT),
    ErrorSpec("opinion.too_long", "The opinion is longer than {limit} characters.", INPUT,
              defaults={"limit": MAX_OPINION_TEXT}),
    ErrorSpec("signature.time_out_of_range",
              "The time of the signature is not plausible (in the future, or before the "
              "task or the signing key existed). Check this PC's clock and sign again.",
              REJECTED),
    ErrorSpec("signature.invalid", "The signature does not verify.", REJECTED),
    ErrorSpec("signature.unknown_key",
              "The signing key is not registered to you on the platform.", REJECTED),
    ErrorSpec("signature.key_revoked", "The signing key has been revoked.", REJECTED),
    ErrorSpec("signature.wrong_user",
              "The signing key does not belong to the signed-in user.", INTERNAL),
    ErrorSpec("handwriting.not_png", "The handwritten signature image has a wrong format.",
              INPUT),
    ErrorSpec("routing.unknown_user", "A chosen person is not an active user.", REJECTED),
    ErrorSpec("user.unknown",
              "A chosen person is not in the directory. Please choose again.", INPUT),
    ErrorSpec("op.not_found", "The sign-off record cannot be found.", REJECTED),
    ErrorSpec("op.not_in_conflict",
              "This sign-off has no conflict; there is nothing to redo.", INPUT),
    ErrorSpec("op.not_retryable", "This operation cannot be retried.", INPUT),
    # --- documents --------------------------------------------------------------------------
    ErrorSpec("document.ambiguous_number",
              "{count} documents have the number {ref}; use a document id: {ids}.", INPUT),
    ErrorSpec("document.no_pending_task", "You have no pending task on this document.",
              CONFLICT),
    ErrorSpec("document.several_pending_tasks",
              "You have several pending tasks on this document; use a task id: {ids}.", INPUT),
    ErrorSpec("document.not_found",
              "This document is not on this PC (it may have been withdrawn or not yet "
              "synced).", REJECTED),
    ErrorSpec("document.incomplete",
              "The document's data on this PC is incomplete. Please sync, then sign.",
              STORAGE),
    ErrorSpec("document.digest_mismatch",
              "The document changed on the platform after you read it.", REJECTED),
    ErrorSpec("document.archived", "The document has been archived.", CONFLICT),
    ErrorSpec("document.not_completed", "The document is not completed yet.", CONFLICT),
    ErrorSpec("document.classified",
              "Classified documents cannot be handled on this platform.", REJECTED),
    ErrorSpec("document.invalid", "The document's data is not valid.", REJECTED),
    ErrorSpec("form.malformed", "The processing form file is not valid.", INPUT),
    ErrorSpec("form.write_failed", "Cannot write the processing form file {path}: {reason}.",
              STORAGE),
    ErrorSpec("form.unreadable", "Cannot read the processing form file {path}: {reason}.",
              STORAGE),
    # --- notices ----------------------------------------------------------------------------
    ErrorSpec("notice.not_found",
              "This notice is not on this PC (it may have been withdrawn).", REJECTED),
    ErrorSpec("notice.invalid", "The notice is not valid.", REJECTED),
    ErrorSpec("notice.withdrawn", "The notice has been withdrawn.", CONFLICT),
    ErrorSpec("notice.expired", "The notice has expired.", CONFLICT),
    ErrorSpec("notice.title_too_long", "The title is longer than {limit} characters.", INPUT),
    ErrorSpec("notice.already_queued",
              "This notice has already been sent for publishing and cannot be changed.", INPUT),
    ErrorSpec("notice.duplicate_pending",
              "The same notice is already waiting to be published: \"{title}\".", INPUT),
    ErrorSpec("notice.draft_not_found", "The notice draft cannot be found.", INPUT),
    ErrorSpec("notice.incomplete", "Please fill in the title and choose the audience.", INPUT),
    ErrorSpec("phrase.empty", "A phrase cannot be empty.", INPUT),
    ErrorSpec("phrase.too_long", "A phrase cannot be longer than {limit} characters.", INPUT),
    # --- 公文交换 and the clerk's desk (收发) -------------------------------------------------
    ErrorSpec("delivery.not_found",
              "This document is not in your unit's exchange box (it may have been withdrawn).",
              REJECTED),
    ErrorSpec("delivery.not_pending",
              "This document has already been received or refused.", CONFLICT),
    ErrorSpec("clerk.required", "Only the unit's clerk can do this.", REJECTED),
    ErrorSpec("document.not_registered",
              "The document has already been routed; it cannot be routed again.", CONFLICT),
    ErrorSpec("desk.route_empty",
              "Please choose at least one person to propose, instruct or handle it.", INPUT),
    ErrorSpec("desk.reason_required", "Please give a reason.", INPUT),
    ErrorSpec("desk.title_required", "Please fill in the title.", INPUT),
    ErrorSpec("desk.issuer_required", "Please fill in the issuing body.", INPUT),
    ErrorSpec("desk.invalid_form", "The field \"{field}\" is not valid.", INPUT),
    ErrorSpec("desk.not_pdf", "The scanned file is not a PDF.", INPUT),
    ErrorSpec("desk.file_too_large", "The file is larger than {limit_mb} MB.", INPUT),
    ErrorSpec("desk.file_unreadable", "Cannot read the file {path}: {reason}.", STORAGE),
    ErrorSpec("desk.already_completed", "The document is already completed.", CONFLICT),
    # --- directory and keys -----------------------------------------------------------------
    ErrorSpec("unit.not_found", "The unit does not exist.", REJECTED),
    ErrorSpec("unit.exists", "The unit already exists.", CONFLICT),
    ErrorSpec("unit.unknown_parent", "The parent unit does not exist.", REJECTED),
    ErrorSpec("user.not_found", "The user does not exist.", REJECTED),
    ErrorSpec("user.exists", "The user already exists.", CONFLICT),
    ErrorSpec("user.self", "You cannot deactivate your own account.", CONFLICT),
    ErrorSpec("user.inactive", "The user is already inactive.", CONFLICT),
    ErrorSpec("user.unknown_role", "Unknown role.", REJECTED),
    ErrorSpec("user.unknown_unit", "The user's unit does not exist.", REJECTED),
    ErrorSpec("user.invalid_username", "The user name is not valid.", REJECTED),
    ErrorSpec("user.invalid_password", "The password is not valid.", REJECTED),
    ErrorSpec("user.weak_password",
              "The password is too weak: use at least 8 characters with three of lower case, "
              "upper case, digits and symbols, and not a common password.", INPUT),
    ErrorSpec("user.same_unit", "The user is already in that unit.", CONFLICT),
    ErrorSpec("key.not_found", "The signing key cannot be found.", REJECTED,
              variants=("You have no signing key {key_id} (sync first).",)),
    ErrorSpec("key.revoked", "The signing key has already been revoked.", CONFLICT,
              variants=("The signing key {key_id} has already been revoked.",)),
    ErrorSpec("key.unknown_algorithm", "Unknown signature algorithm.", REJECTED),
    ErrorSpec("key.invalid_public_key", "The public key is not valid.", REJECTED),
    ErrorSpec("key.id_mismatch", "The key id does not match the public key.", REJECTED),
    ErrorSpec("key.id_taken", "The key id is already taken.", CONFLICT),
    ErrorSpec("key.enrolment_required",
              "A signing key must be enrolled with your password and an enrolment code from "
              "the county information centre.", REJECTED),
    ErrorSpec("key.enrolment_refused",
              "The signing key was not enrolled: the password or the enrolment code is wrong, "
              "already used or expired.", REJECTED),
    ErrorSpec("key.too_many",
              "You have too many active signing keys. Revoke the key of a PC you no longer "
              "use first.", CONFLICT),
    ErrorSpec("key.not_enrolled",
              "This PC's signing key is not enrolled yet, so you cannot sign. Enter your "
              "password and the enrolment code from the county information centre (menu "
              "“Enrol signing key”, or `keys --enrol`).", INPUT),
    ErrorSpec("key.small_order",
              "The public key is not valid: it is a weak (small-order) key.", REJECTED),
    ErrorSpec("attachment.executable",
              "“{name}” is a program ({type} file), not a document: GovDesk does not "
              "open it. Save it only if you expect it, and have it checked by the county "
              "information centre.", INPUT, defaults={"name": "?", "type": "?"}),
    # --- files (blobs) ----------------------------------------------------------------------
    ErrorSpec("blob.not_found",
              "The platform has no such file, or you are not allowed to see it.", REJECTED),
    ErrorSpec("blob.invalid", "The file reference is not valid.", REJECTED),
    ErrorSpec("blob.range_not_satisfiable", "The requested part of the file does not exist.",
              PROTOCOL),
    ErrorSpec("blob.hash_mismatch",
              "The file does not match its checksum; it was discarded and will be downloaded "
              "again.", STORAGE),
    ErrorSpec("blob.rate_limited",
              "Too many files sent in a short time; the attachments stay on this PC and are "
              "sent again in a moment.", NETWORK),
    ErrorSpec("blob.quota_exceeded",
              "Your files sent today have reached the platform's daily upload limit; the "
              "attachments stay on this PC and are sent once the limit allows (ask the "
              "county information centre to raise it).", REJECTED),
    ErrorSpec("blob.unavailable", "The file store is not available; cannot add attachments.",
              STORAGE),
    ErrorSpec("blob.write_failed", "Cannot write to the local file store. Check the disk and "
              "its permissions.", STORAGE),
    ErrorSpec("blob.missing",
              "This file has not been downloaded to this PC yet; it will be fetched once "
              "online.", STORAGE),
    ErrorSpec("blob.corrupt",
              "The file saved on this PC was damaged and has been deleted; it will be fetched "
              "again once online.", STORAGE),
    ErrorSpec("blob.download_failed",
              "The file failed its check after several downloads; giving up. Try again later "
              "or contact the information centre.", STORAGE),
    ErrorSpec("blob.store_missing",
              "The local file store is not open; cannot upload attachments.", STORAGE),
    # --- the local cache and profile --------------------------------------------------------
    ErrorSpec("storage.disk_full",
              "The disk is full. Free some disk space and try again; nothing you entered is "
              "lost.", STORAGE),
    ErrorSpec("cache.unreadable",
              "Cannot open the local cache: the key does not match or the file is damaged. "
              "The file was not changed; sync again online to rebuild the cache, or contact "
              "the information centre.", STORAGE),
    ErrorSpec("cache.unavailable",
              "Cannot write the local cache file. Check the disk and the file permissions.",
              STORAGE),
    ErrorSpec("cache.unknown_schema",
              "The structure of the local cache is not recognised and cannot be upgraded "
              "safely. The file was not changed; please contact the information centre.",
              STORAGE),
    ErrorSpec("cache.too_new",
              "The local cache was made by a newer GovDesk. Please upgrade this program "
              "before opening it.", STORAGE),
    ErrorSpec("profile.unreadable", "The account file {path} is damaged or unreadable.",
              STORAGE),
    ErrorSpec("profile.unwritable",
              "Cannot save the account file ({reason}). Check the disk space and permissions.",
              STORAGE),
    ErrorSpec("profile.closed", "The account is closed.", INTERNAL),
    ErrorSpec("logout.unsent_ops",
              "{count} operations have not reached the platform yet. Sync online first, or "
              "sign out by force to give them up.", CONFLICT),
    ErrorSpec("diagnose.write_failed", "Cannot write the diagnostic bundle {path}: {reason}.",
              STORAGE),
    ErrorSpec("sync.internal_error", "Sync hit an internal error ({error}).", INTERNAL),
    # --- the OS keyring ---------------------------------------------------------------------
    ErrorSpec("keyring.unavailable",
              "No system keyring is available: no key store service (such as GNOME Keyring, "
              "KWallet or Windows Credential Manager) was found. Start and unlock the system "
              "keyring, then try again; GovDesk never writes credentials to plain files.",
              KEYRING),
    ErrorSpec("keyring.locked",
              "The system keyring is locked. Unlock it (enter your login password), then try "
              "again.", KEYRING),
    ErrorSpec("keyring.error", "The system keyring failed: {reason}.", KEYRING),
    ErrorSpec("keyring.corrupt", "A key stored in the system keyring is damaged.", KEYRING),
    ErrorSpec("keyring.no_signing_key",
              "Your signing key is not on this PC. Sign in again online to make a new one.",
              KEYRING),
    # --- 发文 and 公文交换 (docs/protocol.md "Outgoing documents") ---------------------------
    ErrorSpec("outgoing.not_found", "This outgoing document cannot be found.", REJECTED),
    ErrorSpec("outgoing.not_drafter",
              "Only the drafter or the unit's clerk may withdraw this document.", REJECTED),
    ErrorSpec("outgoing.wrong_status",
              "The document has moved on to another step; this action no longer applies.",
              CONFLICT),
    ErrorSpec("outgoing.digest_mismatch",
              "The document changed after you read it; read the current version and sign "
              "again.", REJECTED),
    ErrorSpec("step.not_found", "This step of the document cannot be found.", REJECTED),
    ErrorSpec("step.not_assignee", "This step is assigned to someone else.", REJECTED),
    ErrorSpec("step.not_pending", "This step has already been handled.", CONFLICT),
    ErrorSpec("step.decision_not_allowed", "This step does not allow that decision.", REJECTED),
    ErrorSpec("step.body_not_allowed", "This step cannot change the document.", REJECTED),
    ErrorSpec("body.invalid", "The body of the document is not valid.", REJECTED),
    ErrorSpec("body.empty", "The body of the document is empty.", INPUT),
    ErrorSpec("body.too_long", "The body of the document is too long.", INPUT),
    ErrorSpec("series.unknown", "The unit has no such document number series.", REJECTED),
    ErrorSpec("series.invalid",
              "A series is a short prefix, without the brackets and without the closing "
              "character of a document number.", INPUT),
    ErrorSpec("seal.missing", "The administrator has not registered the unit's seal yet.",
              REJECTED),
    ErrorSpec("seal.not_png", "The seal image must be a PNG file.", INPUT),
    ErrorSpec("exchange.not_allowed", "Only an exchange account may send this way.", REJECTED),
    ErrorSpec("document.completed", "The document has already been completed.", CONFLICT),
    ErrorSpec("outgoing.action_pending",
              "An action on this document is already waiting to be sent.", CONFLICT),
    ErrorSpec("draft.not_found", "The draft cannot be found on this PC.", INPUT),
    ErrorSpec("draft.already_submitted",
              "This draft has already been submitted and cannot be changed.", INPUT),
    ErrorSpec("draft.invalid", "The draft is not valid.", INPUT),
    ErrorSpec("draft.doc_type_unknown", "Choose the kind of document.", INPUT),
    ErrorSpec("draft.title_required", "Please enter the title.", INPUT),
    ErrorSpec("draft.recipients_required", "Please choose the main recipients.", INPUT),
    ErrorSpec("draft.signatory_required",
              "Please choose the leader who signs it for issue.", INPUT),
    ErrorSpec("draft.too_many_countersigners",
              "At most {limit} leaders can countersign.", INPUT),
    ErrorSpec("draft.notes_too_long", "The notes are longer than {limit} characters.", INPUT),
    # --- settings and usage -----------------------------------------------------------------
    ErrorSpec("config.insecure_http",
              "The platform address {url} uses http:// over the network: the password would "
              "travel unencrypted. Use https:// (plain http is allowed only for this PC, "
              "127.0.0.1 or localhost).", CONFIG, defaults={"url": "http://…"}),
    ErrorSpec("config.server_url", "The platform address is missing or not valid.", CONFIG,
              variants=("The platform address is not valid: {url}",
                        "The platform address is missing: give it with {flag}.")),
    ErrorSpec("config.proxy_scheme",
              "The proxy address {url} cannot be used: it must start with http:// or "
              "https:// (found: {scheme}).", CONFIG),
    ErrorSpec("config.ca_file", "Cannot read the certificate file {path}: {reason}", CONFIG),
    ErrorSpec("config.invalid_value",
              "The value {value} of setting {key} is not valid (from {source}).", CONFIG),
    ErrorSpec("config.unreadable", "Cannot read the settings file {path}: {reason}", CONFIG),
    ErrorSpec("config.malformed", "The settings file {path} has a format error: {reason}",
              CONFIG),
    ErrorSpec("config.unknown_key", "Unknown setting: {keys}", CONFIG,
              variants=("The settings file {path} has unknown settings: {keys}",)),
    ErrorSpec("config.policy_key", "The policy file {path} cannot lock these settings: {keys}",
              CONFIG),
    ErrorSpec("config.locked",
              "The setting {key} is locked by the administrator's policy and cannot be "
              "changed.", CONFIG),
    ErrorSpec("usage.document_id",
              "Give a document id, or an exported processing form with --file.", CONFIG),
)

CATALOGUE: Final[Mapping[str, ErrorSpec]] = {spec.code: spec for spec in _SPECS}
assert len(CATALOGUE) == len(_SPECS), "a code is listed twice"


def spec(code: str) -> ErrorSpec | None:
    """The entry for `code`; a bare `http.<status>` (a problem without a code) is
    `http.error`."""
    found = CATALOGUE.get(code)
    if found is None and re.fullmatch(r"http\.\d{3}", code):
        return CATALOGUE["http.error"]
    return found


def kind(code: str) -> str | None:
    found = spec(code)
    return found.kind if found else None


def title(code: str) -> str | None:
    """A fixed English summary of `code` (a problem document's `title`): its template
    when that needs no parameters beyond its defaults; None for unknown codes."""
    found = spec(code)
    if found is None or template_params(found.template) - found.defaults.keys():
        return None
    return fill(found.template, found.defaults)


def all_templates() -> Iterator[str]:
    """Every English source string (templates and variants, each once), in catalogue order:
    what the translation catalogue's `errors` context holds."""
    seen: set[str] = set()
    for entry in _SPECS:
        for template in entry.templates():
            if template not in seen:
                seen.add(template)
                yield template
    if UNKNOWN_TEMPLATE not in seen:
        yield UNKNOWN_TEMPLATE


class _Params(dict[str, Any]):
    """Missing parameters render as an empty mark instead of raising."""

    def __missing__(self, key: str) -> str:
        return "…"


def fill(template: str, params: Mapping[str, Any]) -> str:
    """`template` with `params` substituted; never raises on missing or odd parameters."""
    try:
        return string.Formatter().vformat(template, (), _Params(params))
    except (ValueError, IndexError, KeyError, AttributeError):
        return template


def english(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The English sentence for `code` (the platform's titles, the client's fallback)."""
    found = spec(code)
    if found is None:
        return fill(UNKNOWN_TEMPLATE, {"code": code})
    params = {**found.defaults, **(params or {})}
    return fill(found.template_for(params), params)
