<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>App</name>
    <message>
        <location filename="../../client/ui/app.py" line="151"/>
        <source>Starting the demo county platform…</source>
        <translation>正在启动演示平台…</translation>
    </message>
    <message>
        <location filename="../../client/ui/app.py" line="161"/>
        <source>Signing in as %1…</source>
        <translation>正在以 %1 的身份登录…</translation>
    </message>
    <message>
        <location filename="../../client/ui/app.py" line="169"/>
        <source>Fetching your documents for the first time…</source>
        <translation>正在首次获取您的公文…</translation>
    </message>
</context>
<context>
    <name>DocumentPage</name>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="54"/>
        <source>← &amp;Back to list</source>
        <translation>← 返回列表(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="55"/>
        <source>Back to the list (Esc)</source>
        <translation>返回列表（Esc）</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="113"/>
        <source>Opening…</source>
        <translation>正在打开…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="183"/>
        <source>Signed. It will be sent to the platform when online.</source>
        <translation>已签批，联网后自动发送到平台。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="202"/>
        <source>No more documents to do.</source>
        <translation>待办已全部办理。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="253"/>
        <source>This attachment is not on this computer yet. It will be downloaded when the connection allows.</source>
        <translation>该附件尚未下载到本机，联网后将自动下载。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="270"/>
        <source>Save attachment</source>
        <translation>保存附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="279"/>
        <location filename="../../client/ui/pages/document_page.py" line="307"/>
        <source>Could not save: %1</source>
        <translation>无法保存：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="281"/>
        <location filename="../../client/ui/pages/document_page.py" line="309"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="299"/>
        <source>Save as PDF</source>
        <translation>存为PDF</translation>
    </message>
</context>
<context>
    <name>DocumentView</name>
    <message>
        <location filename="../../client/ui/document_view.py" line="41"/>
        <source>Document</source>
        <translation>公文</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="58"/>
        <source>&amp;Print…</source>
        <translation>打印(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="59"/>
        <source>Print the processing form with all opinions (Ctrl+P)</source>
        <translation>打印含全部意见的处理笺（Ctrl+P）</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="62"/>
        <source>Save as P&amp;DF…</source>
        <translation>存为PDF(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="63"/>
        <source>Save the processing form as a PDF file</source>
        <translation>把处理笺保存为PDF文件</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="79"/>
        <source>Document sections</source>
        <translation>公文内容</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="83"/>
        <source>Processing form</source>
        <translation>处理笺</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="85"/>
        <source>Processing &amp;form</source>
        <translation>处理笺(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="93"/>
        <location filename="../../client/ui/document_view.py" line="97"/>
        <source>Document body</source>
        <translation>公文正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="103"/>
        <source>&amp;Body</source>
        <translation>正文(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="108"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="108"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="108"/>
        <location filename="../../client/ui/document_view.py" line="127"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="110"/>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="116"/>
        <source>&amp;Open</source>
        <translation>打开(&amp;O)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="118"/>
        <source>Save &amp;as…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="124"/>
        <source>&amp;Attachments</source>
        <translation>附件(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="127"/>
        <source>Step</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="127"/>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="128"/>
        <source>Decision / opinion</source>
        <translation>处理意见</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="128"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="129"/>
        <source>Signature</source>
        <translation>签名</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="131"/>
        <source>Routing history</source>
        <translation>流转记录</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="137"/>
        <source>Routing &amp;history</source>
        <translation>流转记录(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="170"/>
        <source>Choose a document from the list</source>
        <translation>请从列表中选择公文</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="183"/>
        <source>Received %1</source>
        <translation>收文时间 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="196"/>
        <source>Warning: this copy of the document does not match its digest from the platform. Do not sign it; sync again or contact the registry.</source>
        <translation>警告：本机的公文与平台的摘要不一致，请勿签批；请重新同步或联系收文登记人员。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="233"/>
        <source>This document has no body text.</source>
        <translation>此公文没有正文。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="237"/>
        <source>The body (%1) has not been downloaded yet. It will appear here once the connection allows.</source>
        <translation>正文（%1）尚未下载，联网后将自动显示。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="253"/>
        <source>The body PDF could not be opened (%1).</source>
        <translation>无法打开正文PDF（%1）。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="263"/>
        <source>On this computer</source>
        <translation>已在本机</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="263"/>
        <source>Not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="269"/>
        <source>&amp;Attachments (%1)</source>
        <translation>附件 (%1)(&amp;A)</translation>
    </message>
</context>
<context>
    <name>FiltersBar</name>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="48"/>
        <source>Search title, doc no., issuer (Ctrl+F)</source>
        <translation>搜索标题、文号、来文机关（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="49"/>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="56"/>
        <location filename="../../client/ui/filters_bar.py" line="93"/>
        <source>Urgency</source>
        <translation>缓急</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="58"/>
        <source>Any urgency</source>
        <translation>全部缓急</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="61"/>
        <source>Extra urgent or urgent</source>
        <translation>特急或加急</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="65"/>
        <source>Document type</source>
        <translation>文种</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="66"/>
        <source>Any type</source>
        <translation>全部文种</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="72"/>
        <location filename="../../client/ui/filters_bar.py" line="73"/>
        <source>Issuer</source>
        <translation>来文机关</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="79"/>
        <source>Received within</source>
        <translation>收文时间范围</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="80"/>
        <source>Any time</source>
        <translation>全部时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="81"/>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="82"/>
        <source>Last 7 days</source>
        <translation>最近7天</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="83"/>
        <source>Last 30 days</source>
        <translation>最近30天</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="86"/>
        <source>&amp;Unread only</source>
        <translation>只看未读(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="89"/>
        <source>S&amp;ort:</source>
        <translation>排序(&amp;O)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="91"/>
        <source>Sort order</source>
        <translation>排序方式</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="92"/>
        <source>Newest</source>
        <translation>最新收文</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="94"/>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="95"/>
        <source>Doc no.</source>
        <translation>文号</translation>
    </message>
</context>
<context>
    <name>ForwardPicker</name>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="31"/>
        <source>Choose recipients</source>
        <translation>选择人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="38"/>
        <source>Search by name, unit or title</source>
        <translation>按姓名、单位或职务搜索</translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="39"/>
        <source>Search the directory</source>
        <translation>搜索通讯录</translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="42"/>
        <source>&amp;Search:</source>
        <translation>搜索(&amp;S)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="47"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="47"/>
        <source>Title</source>
        <translation>职务</translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="48"/>
        <source>Directory</source>
        <translation>通讯录</translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="103"/>
        <source>Chosen: %1</source>
        <translation>已选：%1</translation>
    </message>
</context>
<context>
    <name>HandwritingPad</name>
    <message>
        <location filename="../../client/ui/handwriting_pad.py" line="39"/>
        <source>Handwriting pad</source>
        <translation>手写签名板</translation>
    </message>
    <message>
        <location filename="../../client/ui/handwriting_pad.py" line="40"/>
        <source>Sign here with the mouse, a pen or your finger</source>
        <translation>用鼠标、手写笔或手指在此签名</translation>
    </message>
    <message>
        <location filename="../../client/ui/handwriting_pad.py" line="125"/>
        <source>Sign here</source>
        <translation>请在此签名</translation>
    </message>
</context>
<context>
    <name>InboxModel</name>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="209"/>
        <source>Urgency</source>
        <translation>缓急</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="209"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="209"/>
        <source>Doc No.</source>
        <translation>文号</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="209"/>
        <source>Issuer</source>
        <translation>来文机关</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="210"/>
        <source>Step</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="210"/>
        <source>Received</source>
        <translation>收文时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="210"/>
        <source>Due</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="245"/>
        <source>Signed here, waiting to be sent to the platform</source>
        <translation>已在本机签批，等待发送到平台</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="247"/>
        <source>The platform did not accept this; see Problems</source>
        <translation>平台未接受，请查看“同步问题”</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="249"/>
        <source>Past its deadline</source>
        <translation>已超过办理时限</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="253"/>
        <source>unread</source>
        <translation>未读</translation>
    </message>
</context>
<context>
    <name>InboxPage</name>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="46"/>
        <source>Document list</source>
        <translation>公文列表</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="79"/>
        <source>%1 shown</source>
        <translation>显示 %1 条</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="82"/>
        <source>Nothing here.</source>
        <translation>暂无内容。</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../client/ui/fmt.py" line="70"/>
        <source>Today %1</source>
        <translation>今天 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="87"/>
        <source>Extra urgent</source>
        <translation>特急</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="88"/>
        <source>Urgent</source>
        <translation>加急</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="95"/>
        <source>Propose</source>
        <translation>拟办</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="96"/>
        <source>Instruct</source>
        <translation>批示</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="97"/>
        <source>Handle</source>
        <translation>承办</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="98"/>
        <source>Read</source>
        <translation>阅知</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="99"/>
        <source>Countersign</source>
        <translation>会签</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="105"/>
        <source>Approve</source>
        <translation>同意</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="106"/>
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="107"/>
        <source>Forward</source>
        <translation>转办</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="108"/>
        <source>Read and noted</source>
        <translation>已阅</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="109"/>
        <source>Done</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="115"/>
        <source>Pending</source>
        <translation>待办</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="116"/>
        <location filename="../../client/ui/fmt.py" line="126"/>
        <source>Completed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="117"/>
        <source>Returned</source>
        <translation>已退回</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="118"/>
        <source>Cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="124"/>
        <source>Registered</source>
        <translation>已登记</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="125"/>
        <source>In progress</source>
        <translation>办理中</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="127"/>
        <source>Archived</source>
        <translation>已归档</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="133"/>
        <source>Signature valid</source>
        <translation>签名有效</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="134"/>
        <source>Signature INVALID</source>
        <translation>签名无效</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="135"/>
        <source>Signature not verifiable</source>
        <translation>签名无法验证</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="136"/>
        <source>Not yet sent</source>
        <translation>待发送</translation>
    </message>
</context>
<context>
    <name>LockOverlay</name>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="76"/>
        <source>Screen locked</source>
        <translation>屏幕已锁定</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="83"/>
        <source>GovDesk is locked</source>
        <translation>GovDesk 已锁定</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="87"/>
        <source>Signed in as %1. Enter your password to continue.</source>
        <translation>当前用户：%1。请输入密码继续。</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="92"/>
        <location filename="../../client/ui/lock_overlay.py" line="93"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="96"/>
        <source>&amp;Unlock</source>
        <translation>解锁(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="102"/>
        <source>Unlock message</source>
        <translation>解锁提示</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="126"/>
        <source>Wrong password, please try again.</source>
        <translation>密码错误，请重试。</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="42"/>
        <source>GovDesk — Sign in</source>
        <translation>GovDesk 政务桌面 — 登录</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="51"/>
        <source>GovDesk county e-government desk</source>
        <translation>GovDesk 县级电子政务办公桌面</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="55"/>
        <source>Documents, sign-off and notices — also without a network</source>
        <translation>收文、签批、通知公告——断网也能办公</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="62"/>
        <source>Platform address</source>
        <translation>平台地址</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="66"/>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="69"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="70"/>
        <source>Platform &amp;address:</source>
        <translation>平台地址(&amp;A)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="71"/>
        <source>&amp;User name:</source>
        <translation>用户名(&amp;U)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="72"/>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="80"/>
        <location filename="../../client/ui/login_dialog.py" line="108"/>
        <source>&amp;Sign in</source>
        <translation>登录(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="95"/>
        <source>Please fill in the platform address, user name and password.</source>
        <translation>请填写平台地址、用户名和密码。</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="99"/>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../client/ui/main_window.py" line="41"/>
        <source>GovDesk — %1</source>
        <translation>GovDesk 政务桌面 — %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="151"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="152"/>
        <source>&amp;Print processing form…</source>
        <translation>打印处理笺(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="153"/>
        <source>Save processing form as &amp;PDF…</source>
        <translation>处理笺存为PDF(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="156"/>
        <source>&amp;Lock</source>
        <translation>锁定(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="157"/>
        <source>E&amp;xit</source>
        <translation>退出(&amp;X)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="158"/>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="164"/>
        <source>&amp;Search</source>
        <translation>搜索(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="165"/>
        <source>Next document &amp;to do</source>
        <translation>下一件待办(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="166"/>
        <source>Back to &amp;list</source>
        <translation>返回列表(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="167"/>
        <source>&amp;Sync</source>
        <translation>同步(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="168"/>
        <source>Sync &amp;now</source>
        <translation>立即同步(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="169"/>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="170"/>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="172"/>
        <source>&amp;New notice…</source>
        <translation>发布通知(&amp;N)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="328"/>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
</context>
<context>
    <name>NavList</name>
    <message>
        <location filename="../../client/ui/nav.py" line="24"/>
        <source>Navigation</source>
        <translation>导航</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="38"/>
        <source>To do</source>
        <translation>待办</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="39"/>
        <source>Done</source>
        <translation>已办</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="40"/>
        <source>All received</source>
        <translation>收文</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="41"/>
        <source>For reading</source>
        <translation>传阅</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="42"/>
        <source>Notices</source>
        <translation>通知公告</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="43"/>
        <source>Problems</source>
        <translation>同步问题</translation>
    </message>
</context>
<context>
    <name>NoticeComposeDialog</name>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="47"/>
        <source>New notice</source>
        <translation>发布通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="52"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="53"/>
        <source>&amp;Title:</source>
        <translation>标题(&amp;T)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="55"/>
        <source>Text</source>
        <translation>正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="57"/>
        <source>Te&amp;xt:</source>
        <translation>正文(&amp;X)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="60"/>
        <source>Audience units</source>
        <translation>发送单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="65"/>
        <source>&amp;Audience:</source>
        <translation>发送范围(&amp;A)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="67"/>
        <source>Ask for &amp;confirmation of receipt</source>
        <translation>要求确认收到(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="69"/>
        <source>&amp;Urgent</source>
        <translation>紧急(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="75"/>
        <source>&amp;Expires on</source>
        <translation>有效期至(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="88"/>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="90"/>
        <source>A&amp;dd file…</source>
        <translation>添加文件(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="92"/>
        <source>Remo&amp;ve</source>
        <translation>移除(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="99"/>
        <source>Attachments:</source>
        <translation>附件：</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="105"/>
        <source>&amp;Publish</source>
        <translation>发布(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="147"/>
        <source>Add attachments</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="160"/>
        <source>a title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="162"/>
        <source>the text</source>
        <translation>正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="164"/>
        <source>at least one audience unit</source>
        <translation>至少一个发送单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="166"/>
        <source>Still needed: %1</source>
        <translation>还需填写：%1</translation>
    </message>
</context>
<context>
    <name>NoticeListModel</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="51"/>
        <source>[Urgent]</source>
        <translation>[紧急]</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="53"/>
        <source>[Please confirm]</source>
        <translation>[请确认]</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="63"/>
        <source>unread</source>
        <translation>未读</translation>
    </message>
</context>
<context>
    <name>NoticesPage</name>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="86"/>
        <source>Notice queued for publication.</source>
        <translation>通知已提交发布，联网后送达。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="97"/>
        <source>Receipts</source>
        <translation>回执</translation>
    </message>
</context>
<context>
    <name>NoticesView</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="80"/>
        <source>Notices</source>
        <translation>通知公告</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="84"/>
        <source>&amp;New notice…</source>
        <translation>发布通知(&amp;N)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="85"/>
        <source>Publish a notice to units (Ctrl+N)</source>
        <translation>向各单位发布通知（Ctrl+N）</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="96"/>
        <source>Notice list</source>
        <translation>通知列表</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="113"/>
        <source>Notice text</source>
        <translation>通知正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="119"/>
        <source>&amp;Confirm receipt</source>
        <translation>确认收到(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="121"/>
        <source>Tell the publisher you have received this notice</source>
        <translation>告知发布人您已收到本通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="123"/>
        <source>&amp;Receipts…</source>
        <translation>回执情况(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="124"/>
        <source>Who has read and confirmed this notice</source>
        <translation>查看谁已阅读、确认本通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="164"/>
        <source>Choose a notice</source>
        <translation>请选择通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="174"/>
        <source>Published %1</source>
        <translation>发布于 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="177"/>
        <source>Valid until %1</source>
        <translation>有效期至 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="179"/>
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="183"/>
        <source>Attachments: %1</source>
        <translation>附件：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="189"/>
        <source>Receipt confirmed (waiting to be sent)</source>
        <translation>已确认收到（待发送）</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="190"/>
        <source>Receipt confirmed</source>
        <translation>已确认收到</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="192"/>
        <source>The publisher asks you to confirm receipt</source>
        <translation>发布人要求确认收到</translation>
    </message>
</context>
<context>
    <name>ProblemsPage</name>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="43"/>
        <source>The document no longer has a step for you. Your text is still kept here.</source>
        <translation>这份公文已没有您的待办环节，您的意见仍保留在此。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="60"/>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="61"/>
        <source>Discard this action? The text you wrote will be deleted.</source>
        <translation>确定放弃这项操作吗？您填写的内容将被删除。</translation>
    </message>
</context>
<context>
    <name>ProblemsView</name>
    <message>
        <location filename="../../client/ui/problems_view.py" line="35"/>
        <source>Problems</source>
        <translation>同步问题</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="38"/>
        <source>The platform did not accept these actions. Nothing you wrote is lost: the text is kept below. Redo the action on the document&apos;s current state, or discard it.</source>
        <translation>平台未接受以下操作。您填写的内容没有丢失，保留在下方。可以按公文当前状态重新办理，或放弃。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="47"/>
        <source>No sync problems to handle. Every action has reached the platform.</source>
        <translation>没有需要处理的同步问题。所有操作都已送达平台。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="52"/>
        <source>No sync problems</source>
        <translation>没有同步问题</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="55"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="55"/>
        <source>Document / notice</source>
        <translation>公文 / 通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="56"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="56"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="56"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="58"/>
        <source>Problem list</source>
        <translation>问题列表</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="68"/>
        <source>What you wrote (kept):</source>
        <translation>您填写的内容（已保留）：</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="71"/>
        <source>Kept text</source>
        <translation>保留的内容</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="74"/>
        <source>&amp;Redo on current state…</source>
        <translation>按当前状态重新办理(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="76"/>
        <source>Open the document with your text filled in, to sign again</source>
        <translation>打开公文并填入您原来的意见，重新签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="78"/>
        <source>D&amp;iscard</source>
        <translation>放弃(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="101"/>
        <source>Conflict</source>
        <translation>冲突</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="101"/>
        <source>Refused</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="102"/>
        <source>Set aside</source>
        <translation>已搁置</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="124"/>
        <source>The step was withdrawn or moved to someone else on the platform</source>
        <translation>平台上该办理环节已被撤回或改派他人</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="126"/>
        <source>The step was already completed on the platform</source>
        <translation>该办理环节已在平台上办结</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="127"/>
        <source>The step no longer exists on the platform</source>
        <translation>平台上已没有该办理环节</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="128"/>
        <source>The document has been archived</source>
        <translation>该公文已归档</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="129"/>
        <source>You are no longer allowed to do this</source>
        <translation>您已无权执行此操作</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="133"/>
        <source>Sign-off</source>
        <translation>签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="133"/>
        <source>Confirm receipt</source>
        <translation>确认收到</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="134"/>
        <source>Publish notice</source>
        <translation>发布通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="135"/>
        <source>Mark read</source>
        <translation>标记已读</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="136"/>
        <source>Register key</source>
        <translation>登记签名密钥</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="153"/>
        <source>Decision: %1</source>
        <translation>处理决定：%1</translation>
    </message>
</context>
<context>
    <name>ProcessingForm</name>
    <message>
        <location filename="../../client/ui/processing_form.py" line="44"/>
        <source>Proposed handling</source>
        <translation>拟办意见</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="46"/>
        <source>Leaders&apos; instructions</source>
        <translation>领导批示</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="47"/>
        <source>Handling</source>
        <translation>承办意见</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="48"/>
        <source>Circulated to</source>
        <translation>传阅</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="62"/>
        <source>To:</source>
        <translation>送：</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="73"/>
        <source>[handwriting not downloaded]</source>
        <translation>[手写签名未下载]</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="91"/>
        <source>Incoming Document Processing Form</source>
        <translation>收文处理笺</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="109"/>
        <source>Reg. No.</source>
        <translation>收文编号</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="110"/>
        <source>Received</source>
        <translation>收文时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="111"/>
        <source>Issuer</source>
        <translation>来文机关</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="112"/>
        <source>Doc No.</source>
        <translation>文号</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="113"/>
        <source>Urgency</source>
        <translation>缓急</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="114"/>
        <source>Doc type</source>
        <translation>文种</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="115"/>
        <source>Signatory</source>
        <translation>签发人</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="116"/>
        <source>Issued on</source>
        <translation>成文日期</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="117"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="118"/>
        <source>Main recipients</source>
        <translation>主送</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="121"/>
        <source>Copied to</source>
        <translation>抄送</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="128"/>
        <source>Waiting for:</source>
        <translation>待办理：</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="132"/>
        <source>Notes</source>
        <translation>附注</translation>
    </message>
</context>
<context>
    <name>ReceiptsWidget</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="217"/>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="217"/>
        <source>Read</source>
        <translation>阅读时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="217"/>
        <source>Confirmed</source>
        <translation>确认时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="219"/>
        <source>Receipts</source>
        <translation>回执</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="227"/>
        <source>%1 of %2 confirmed, %3 read</source>
        <translation>%2 人中已确认 %1 人，已阅 %3 人</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="238"/>
        <location filename="../../client/ui/notices_view.py" line="245"/>
        <source>not yet</source>
        <translation>未确认</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="39"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="43"/>
        <source>Text size</source>
        <translation>字号</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="50"/>
        <source>&amp;Text size:</source>
        <translation>字号(&amp;T)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="52"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="60"/>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="61"/>
        <location filename="../../client/ui/settings_dialog.py" line="89"/>
        <source>A new language applies when GovDesk starts again.</source>
        <translation>新的语言将在重新启动 GovDesk 后生效。</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="68"/>
        <source>After %1 minutes without use (set by your administrator)</source>
        <translation>无操作 %1 分钟后（由管理员设定）</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="69"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="70"/>
        <source>Auto-lock:</source>
        <translation>自动锁定：</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="85"/>
        <source>Restart GovDesk to use the new language. Your work is kept.</source>
        <translation>请重新启动 GovDesk 以使用新的语言，已做的工作不会丢失。</translation>
    </message>
</context>
<context>
    <name>SignoffPanel</name>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="62"/>
        <source>Sign-off</source>
        <translation>签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="89"/>
        <source>&amp;Opinion:</source>
        <translation>意见(&amp;O)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="92"/>
        <source>Opinion</source>
        <translation>意见</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="93"/>
        <source>Write your opinion, or pick a phrase below</source>
        <translation>填写意见，或从下方常用语中选择</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="101"/>
        <source>Common &amp;phrases:</source>
        <translation>常用语(&amp;P)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="104"/>
        <source>Save as phrase</source>
        <translation>存为常用语</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="105"/>
        <source>Keep the opinion text in your phrase book</source>
        <translation>把当前意见保存到常用语</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="110"/>
        <source>Common phrases</source>
        <translation>常用语</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="111"/>
        <source>Double-click or press Enter to insert</source>
        <translation>双击或按回车插入</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="118"/>
        <source>&amp;Recipients…</source>
        <translation>选择人员(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="119"/>
        <source>Choose who handles or receives it next</source>
        <translation>选择下一步办理或接收的人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="133"/>
        <source>&amp;Circulate to…</source>
        <translation>传阅(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="134"/>
        <source>Choose who reads this document for information (传阅)</source>
        <translation>选择传阅（阅知）这份公文的人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="146"/>
        <source>Handwritten signature (optional):</source>
        <translation>手写签名（可选）：</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="148"/>
        <source>Undo stroke</source>
        <translation>撤销一笔</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="149"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="171"/>
        <source>Sign</source>
        <translation>签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="172"/>
        <source>Sign and stay on this document</source>
        <translation>签批后留在本文</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="174"/>
        <source>Sign &amp;&amp; next  (Ctrl+Enter)</source>
        <translation>签批并办下一件（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="177"/>
        <source>Sign and open the next document to do (Ctrl+Enter)</source>
        <translation>签批后打开下一件待办（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="178"/>
        <source>Sign and next</source>
        <translation>签批并办下一件</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="228"/>
        <source>Nothing to sign here</source>
        <translation>此文无需您签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="233"/>
        <source>Your step: %1</source>
        <translation>您的环节：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="234"/>
        <source>Due %1</source>
        <translation>办理时限：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="237"/>
        <source>&amp;Approve</source>
        <translation>同意(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="237"/>
        <source>Re&amp;turn</source>
        <translation>退回(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="238"/>
        <source>&amp;Forward</source>
        <translation>转办(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="238"/>
        <source>Read and &amp;noted</source>
        <translation>已阅(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="239"/>
        <source>&amp;Done</source>
        <translation>办结(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="317"/>
        <source>Nobody (optional)</source>
        <translation>未选择（可不选）</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="329"/>
        <source>Choose at least one person</source>
        <translation>请至少选择一人</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="331"/>
        <source>Nobody chosen (optional)</source>
        <translation>未选择（可选）</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="344"/>
        <source>Circulate to (传阅)</source>
        <translation>选择传阅人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="375"/>
        <source>Choose a decision first.</source>
        <translation>请先选择处理意见。</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="379"/>
        <source>Choose who receives it before sending it on.</source>
        <translation>请先选择接收人员，再转送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="384"/>
        <source>Write the reason for returning it.</source>
        <translation>请填写退回理由。</translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message>
        <location filename="../../client/ui/status_bar.py" line="22"/>
        <source>Connection state</source>
        <translation>连接状态</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="24"/>
        <source>Last synchronisation</source>
        <translation>上次同步时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="26"/>
        <source>Operations waiting to be sent</source>
        <translation>待发送的操作</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="31"/>
        <source>Sync problems</source>
        <translation>同步问题</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="36"/>
        <source>Synchronising</source>
        <translation>正在同步</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="38"/>
        <source>&amp;Sync now</source>
        <translation>立即同步(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="39"/>
        <source>Send your work and fetch new documents (F5)</source>
        <translation>发送已办事项并获取新公文（F5）</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="40"/>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="53"/>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="53"/>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="55"/>
        <source>Connected to the county platform</source>
        <translation>已连接市电子政务平台</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="56"/>
        <source>Working offline: everything you sign is kept and sent later</source>
        <translation>离线办公：您的签批会保存在本机，联网后发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="63"/>
        <source>Not synchronised yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="65"/>
        <source>Last sync: %1</source>
        <translation>上次同步：%1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/status_bar.py" line="70"/>
        <source>%n operation(s) waiting to be sent</source>
        <translation>
            <numerusform>%n 项操作待发送</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="71"/>
        <source>Nothing waiting to be sent</source>
        <translation>没有待发送的操作</translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/status_bar.py" line="75"/>
        <source>%n problem(s)</source>
        <translation>
            <numerusform>%n 个问题</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <location filename="../../client/ui/tray.py" line="24"/>
        <source>GovDesk</source>
        <translation>GovDesk 政务桌面</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="26"/>
        <source>Show GovDesk</source>
        <translation>显示 GovDesk</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="27"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="40"/>
        <source>Extra urgent document</source>
        <translation>特急公文</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="43"/>
        <source>Urgent notice</source>
        <translation>紧急通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="48"/>
        <source>Unlock GovDesk to read it.</source>
        <translation>请解锁 GovDesk 后查看。</translation>
    </message>
</context>
</TS>
