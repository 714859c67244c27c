<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>App</name>
    <message>
        <location filename="../../client/ui/app.py" line="203"/>
        <source>Starting the demo county platform…</source>
        <translation>正在启动演示平台…</translation>
    </message>
    <message>
        <location filename="../../client/ui/app.py" line="213"/>
        <source>Signing in as %1…</source>
        <translation>正在以 %1 的身份登录…</translation>
    </message>
    <message>
        <location filename="../../client/ui/app.py" line="231"/>
        <source>Fetching your documents for the first time…</source>
        <translation>正在首次获取您的公文…</translation>
    </message>
</context>
<context>
    <name>BodyEditor</name>
    <message>
        <location filename="../../client/ui/body_editor.py" line="93"/>
        <source>Text of the document</source>
        <translation>公文正文</translation>
    </message>
</context>
<context>
    <name>CancelDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="131"/>
        <source>Cancel task</source>
        <translation>撤销办理环节</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="132"/>
        <source>&amp;Reason for cancelling:</source>
        <translation>撤销原因(&amp;R)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="133"/>
        <source>Cancel &amp;task</source>
        <translation>撤销(&amp;T)</translation>
    </message>
</context>
<context>
    <name>ClerkPage</name>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="85"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="629"/>
        <source>Please handle this document as soon as possible.</source>
        <translation>请尽快办理此件。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="135"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="149"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="696"/>
        <source>Clerk desk</source>
        <translation>收发</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="217"/>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="219"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="287"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="313"/>
        <source>Number</source>
        <translation>文号</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="220"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="288"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="314"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="224"/>
        <source>From</source>
        <translation>来文单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="225"/>
        <source>Delivered</source>
        <translation>送达时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="226"/>
        <source>Receive by</source>
        <translation>签收时限</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="228"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="292"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="320"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="235"/>
        <source>&amp;Receive (签收)</source>
        <translation>签收(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="237"/>
        <source>Re&amp;fuse…</source>
        <translation>拒收(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="271"/>
        <source>%1 h</source>
        <translation>%1 小时</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="273"/>
        <source>%1 d</source>
        <translation>%1 天</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="274"/>
        <source>Overdue by %1</source>
        <translation>已超时 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="274"/>
        <source>%1 left</source>
        <translation>还剩 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="277"/>
        <source>Received, waiting to send</source>
        <translation>已签收，待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="278"/>
        <source>Refused, waiting to send</source>
        <translation>已拒收，待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="279"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="280"/>
        <source>Not accepted (see Problems)</source>
        <translation>平台未接受（见“同步问题”）</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="281"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="347"/>
        <source>To receive</source>
        <translation>待签收</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="282"/>
        <source>%1 (copy)</source>
        <translation>%1（抄送）</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="286"/>
        <source>Reg. no.</source>
        <translation>收文编号</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="290"/>
        <source>Issuer</source>
        <translation>来文机关</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="291"/>
        <source>Received</source>
        <translation>收文时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="297"/>
        <source>Routed, waiting to send</source>
        <translation>已分办，待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="298"/>
        <source>Registered, waiting to send</source>
        <translation>已登记，待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="299"/>
        <source>Archived, waiting to send</source>
        <translation>已归档，待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="304"/>
        <source>Register and &amp;route…</source>
        <translation>登记分办(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="306"/>
        <source>Register a &amp;paper document…</source>
        <translation>登记纸质来文(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="315"/>
        <source>Step</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="316"/>
        <source>Person</source>
        <translation>办理人</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="317"/>
        <source>Due</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="319"/>
        <source>Reminders</source>
        <translation>催办次数</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="321"/>
        <source>Reminder waiting to send</source>
        <translation>催办待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="322"/>
        <source>Cancelled, waiting to send</source>
        <translation>已撤销，待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="323"/>
        <source>Reassigned, waiting to send</source>
        <translation>已改派，待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="327"/>
        <source>Send a re&amp;minder…</source>
        <translation>催办(&amp;M)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="329"/>
        <source>&amp;Cancel task…</source>
        <translation>撤销(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="330"/>
        <source>Reassi&amp;gn…</source>
        <translation>改派(&amp;G)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="331"/>
        <source>Mark &amp;completed (办结)</source>
        <translation>办结(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="339"/>
        <source>&amp;Archive (归档)</source>
        <translation>归档(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="348"/>
        <source>To register and route</source>
        <translation>待登记/待分办</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="349"/>
        <source>In progress</source>
        <translation>在办</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="350"/>
        <source>Completed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="351"/>
        <source>Archived</source>
        <translation>归档</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="357"/>
        <source>%1 to receive</source>
        <translation>%1 件待签收</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="358"/>
        <source>%1 to route</source>
        <translation>%1 件待分办</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="359"/>
        <source>%1 in progress</source>
        <translation>%1 项在办</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="361"/>
        <source>%1 overdue</source>
        <translation>%1 项已超时</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="448"/>
        <source>The platform did not accept it; see Problems.</source>
        <translation>平台未接受此操作，请在“同步问题”中查看。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="495"/>
        <source>Received “%1”; sending…</source>
        <translation>已签收《%1》，正在发送…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="497"/>
        <source>Received “%1”; it will be sent when the network is back.</source>
        <translation>已签收《%1》，网络恢复后自动发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="499"/>
        <source>The platform recorded the receipt of “%1”; it is ready to register.</source>
        <translation>平台已记录《%1》的签收，可以登记分办。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="524"/>
        <source>Refused; sending…</source>
        <translation>已拒收，正在发送…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="525"/>
        <source>Refused; it will be sent when the network is back.</source>
        <translation>已拒收，网络恢复后自动发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="526"/>
        <source>The sender has been told of the refusal.</source>
        <translation>已将拒收及原因退回来文单位。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="600"/>
        <source>Registered and routed; sending…</source>
        <translation>已登记分办，正在发送…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="601"/>
        <source>Registered and routed; it will be sent when the network is back.</source>
        <translation>已登记分办，网络恢复后自动发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="603"/>
        <source>The platform has the registration; the route has started.</source>
        <translation>平台已收到登记，文件已进入办理流程。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="618"/>
        <source>%1 — %2 of %3</source>
        <translation>《%1》— %3 %2</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="624"/>
        <source>This document was due by %1. Please handle it as soon as possible.</source>
        <translation>此件办理时限为 %1，现已超时，请尽快办理。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="626"/>
        <source>This document is due by %1. Please handle it in time.</source>
        <translation>此件办理时限为 %1，请按时办理。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="639"/>
        <source>Reminder</source>
        <translation>催办</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="648"/>
        <source>Cancellation</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="663"/>
        <source>Reassignment</source>
        <translation>改派</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="669"/>
        <source>%1 queued; sending…</source>
        <translation>%1已记录，正在发送…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="670"/>
        <source>%1 queued; it will be sent when the network is back.</source>
        <translation>%1已记录，网络恢复后自动发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="671"/>
        <source>%1 delivered to the platform.</source>
        <translation>%1已送达平台。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="677"/>
        <source>Mark “%1” as completed (办结)? Its open steps end.</source>
        <translation>确定将《%1》办结吗？未完成的办理环节将随之结束。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="682"/>
        <source>Completion</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="689"/>
        <source>Archive “%1” (归档)?</source>
        <translation>确定将《%1》归档吗？</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="693"/>
        <source>Archiving</source>
        <translation>归档</translation>
    </message>
</context>
<context>
    <name>DeliveryPreviewDialog</name>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="34"/>
        <source>Delivered document</source>
        <translation>来文</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="41"/>
        <source>Document number</source>
        <translation>发文字号</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="42"/>
        <source>From</source>
        <translation>来文单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="43"/>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="44"/>
        <source>Main recipients</source>
        <translation>主送</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="45"/>
        <source>Copy to</source>
        <translation>抄送</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="46"/>
        <source>This unit</source>
        <translation>本单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="66"/>
        <source>&amp;Receive (签收)</source>
        <translation>签收(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="68"/>
        <source>Re&amp;fuse…</source>
        <translation>拒收(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="69"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="95"/>
        <source>Normal</source>
        <translation>一般</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="98"/>
        <source>Main recipient</source>
        <translation>主送单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="98"/>
        <source>Copy</source>
        <translation>抄送单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="101"/>
        <source>delivered %1</source>
        <translation>%1 送达</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="103"/>
        <source>receive by %1 (overdue)</source>
        <translation>应于 %1 前签收（已超时）</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="104"/>
        <source>receive by %1</source>
        <translation>应于 %1 前签收</translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="109"/>
        <source>Already received or refused here; waiting to be sent.</source>
        <translation>已在本机签收或拒收，待发送。</translation>
    </message>
</context>
<context>
    <name>DocumentPage</name>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="60"/>
        <source>← &amp;Back to list</source>
        <translation>← 返回列表(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="62"/>
        <source>Back to the list (Esc)</source>
        <translation>返回列表（Esc）</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="133"/>
        <source>Opening…</source>
        <translation>正在打开…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="217"/>
        <source>Return this document to %1, who sent it to you? It goes back to the previous step with your reason.</source>
        <translation>确定将这份公文退回给 %1（送来的人）吗？公文将连同您的退回理由回到上一环节。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="220"/>
        <source>Return this document to the previous step? It goes back with your reason.</source>
        <translation>确定将这份公文退回上一环节吗？公文将连同您的退回理由一并退回。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="223"/>
        <source>Return the document</source>
        <translation>退回公文</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="239"/>
        <source>Signed. Sending it to the platform…</source>
        <translation>已签批，正在发送到平台…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="240"/>
        <source>Signed. Offline: it will be sent to the platform when the network is back.</source>
        <translation>已签批。当前离线，联网后自动发送到平台。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="242"/>
        <source>Sign-off delivered to the platform.</source>
        <translation>签批已送达平台。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="243"/>
        <source>The platform did not accept the sign-off: see Problems.</source>
        <translation>平台未接受该签批，请查看“同步问题”。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="259"/>
        <source>Recall your sign-off (%1)? It has not been sent yet: it is taken back here, and the document returns to your to-do list with your opinion kept as a draft.</source>
        <translation>撤回您的签批（%1）？该签批尚未发送，将在本机撤回，文件退回您的待办，所填意见保留为草稿。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="263"/>
        <source>Recall your sign-off (%1)? The platform takes it back only while the next step has not started; your opinion then returns as a draft.</source>
        <translation>撤回您的签批（%1）？只有在下一环节尚未办理时，平台才会同意撤回；撤回后您的意见保留为草稿。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="267"/>
        <source>Recall the sign-off</source>
        <translation>撤回签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="280"/>
        <source>Recalled. It had not been sent; the document is back in your to-do list with your text.</source>
        <translation>已撤回：该签批尚未发送，文件已退回您的待办，所填意见已保留。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="285"/>
        <source>Recall request sent to the platform…</source>
        <translation>撤回请求已发送，等待平台答复…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="286"/>
        <source>Recall request queued; it will be sent when the network is back.</source>
        <translation>撤回请求已排队，联网后发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="288"/>
        <source>Recalled.</source>
        <translation>已撤回。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="289"/>
        <source>Cannot recall: the platform refused (see the document).</source>
        <translation>无法撤回：平台未同意（详见文件页面）。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="314"/>
        <source>Everything circulated to you has been read.</source>
        <translation>传阅文件已全部阅毕。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="317"/>
        <source>No more documents to do.</source>
        <translation>待办已全部办理。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="368"/>
        <source>This attachment is not on this computer yet. It will be downloaded when the connection allows.</source>
        <translation>该附件尚未下载到本机，联网后将自动下载。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="383"/>
        <source>Save attachment</source>
        <translation>保存附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="392"/>
        <location filename="../../client/ui/pages/document_page.py" line="420"/>
        <source>Could not save: %1</source>
        <translation>无法保存：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="394"/>
        <location filename="../../client/ui/pages/document_page.py" line="422"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="412"/>
        <source>Save as PDF</source>
        <translation>存为PDF</translation>
    </message>
</context>
<context>
    <name>DocumentView</name>
    <message>
        <location filename="../../client/ui/document_view.py" line="60"/>
        <source>Document</source>
        <translation>公文</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="94"/>
        <source>&amp;Print…</source>
        <translation>打印(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="95"/>
        <source>Print the processing form with all opinions (Ctrl+P)</source>
        <translation>打印含全部意见的处理笺（Ctrl+P）</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="98"/>
        <source>Save as P&amp;DF…</source>
        <translation>存为PDF(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="99"/>
        <source>Save the processing form as a PDF file</source>
        <translation>把处理笺保存为PDF文件</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="115"/>
        <source>Re&amp;call my sign-off…</source>
        <translation>撤回我的签批(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="116"/>
        <source>Recall my sign-off</source>
        <translation>撤回我的签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="135"/>
        <source>Document sections</source>
        <translation>公文内容</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="139"/>
        <source>Processing form</source>
        <translation>处理笺</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="141"/>
        <source>Processing &amp;form</source>
        <translation>处理笺(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="149"/>
        <location filename="../../client/ui/document_view.py" line="153"/>
        <source>Document body</source>
        <translation>公文正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="159"/>
        <source>&amp;Body</source>
        <translation>正文(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="164"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="164"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="164"/>
        <location filename="../../client/ui/document_view.py" line="183"/>
        <location filename="../../client/ui/document_view.py" line="199"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="166"/>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="172"/>
        <source>&amp;Open</source>
        <translation>打开(&amp;O)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="174"/>
        <source>Save &amp;as…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="180"/>
        <source>&amp;Attachments</source>
        <translation>附件(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="183"/>
        <source>Step</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="183"/>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="184"/>
        <source>Decision / opinion</source>
        <translation>处理意见</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="184"/>
        <location filename="../../client/ui/document_view.py" line="198"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="185"/>
        <source>Signature</source>
        <translation>签名</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="187"/>
        <source>Routing history</source>
        <translation>流转记录</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="193"/>
        <source>Routing &amp;history</source>
        <translation>流转记录(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="198"/>
        <source>From</source>
        <translation>发送人</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="198"/>
        <source>To</source>
        <translation>接收人</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="199"/>
        <source>Note</source>
        <translation>留言</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="202"/>
        <source>Notes</source>
        <translation>留言</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="205"/>
        <location filename="../../client/ui/document_view.py" line="466"/>
        <source>&amp;Notes</source>
        <translation>留言(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="263"/>
        <source>Your sign-off has not been sent yet: recalling it puts the document back in your to-do list with your text kept.</source>
        <translation>您的签批尚未发送：撤回后文件回到您的待办，所填意见保留。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="266"/>
        <source>A recall of your sign-off is waiting for the platform.</source>
        <translation>您的撤回请求正在等待平台处理。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="267"/>
        <source>Recall request sent; waiting for the platform&apos;s answer.</source>
        <translation>撤回请求已发送，等待平台答复。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="269"/>
        <source>Recall request queued; it will be sent when the network is back.</source>
        <translation>撤回请求已排队，联网后发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="275"/>
        <source>Take back your sign-off while the next step has not started. The platform decides.</source>
        <translation>下一环节尚未办理时可以撤回您的签批，由平台最终确认。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="285"/>
        <source>Cannot recall: the next step has already been handled.</source>
        <translation>无法撤回：下一步已开始办理。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="313"/>
        <source>Choose a document from the list</source>
        <translation>请从列表中选择公文</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="330"/>
        <source>Received %1</source>
        <translation>收文时间 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="343"/>
        <source>Warning: this copy of the document does not match its digest from the platform. Do not sign it; sync again or contact the registry.</source>
        <translation>警告：本机的公文与平台的摘要不一致，请勿签批；请重新同步或联系收文登记人员。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="381"/>
        <source>This document has no body text.</source>
        <translation>此公文没有正文。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="385"/>
        <source>The body (%1) has not been downloaded yet. It will appear here once the connection allows.</source>
        <translation>正文（%1）尚未下载，联网后将自动显示。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="401"/>
        <source>The body PDF could not be opened (%1).</source>
        <translation>无法打开正文PDF（%1）。</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="411"/>
        <source>On this computer</source>
        <translation>已在本机</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="411"/>
        <source>Not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="417"/>
        <source>&amp;Attachments (%1)</source>
        <translation>附件 (%1)(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="442"/>
        <source>Recalled</source>
        <translation>已撤回</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="459"/>
        <source>Waiting to be sent</source>
        <translation>待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="460"/>
        <source>Not accepted (see Problems)</source>
        <translation>未被接受（见同步问题）</translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="465"/>
        <source>&amp;Notes (%1)</source>
        <translation>留言(&amp;N)（%1）</translation>
    </message>
</context>
<context>
    <name>DraftEditor</name>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="120"/>
        <source>Draft</source>
        <translation>拟稿</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="131"/>
        <source>Kind (文种):</source>
        <translation>文种：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="134"/>
        <source>关于……的通知</source>
        <translation>关于……的通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="140"/>
        <source>&amp;Title:</source>
        <translation>标题(&amp;T)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="141"/>
        <location filename="../../client/ui/drafting_editor.py" line="145"/>
        <location filename="../../client/ui/drafting_editor.py" line="165"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="144"/>
        <source>Main recipients:</source>
        <translation>主送：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="148"/>
        <source>Copy to:</source>
        <translation>抄送：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="150"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="151"/>
        <source>Internal</source>
        <translation>内部</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="152"/>
        <source>Classification:</source>
        <translation>密级：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="154"/>
        <source>Normal</source>
        <translation>平件</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="154"/>
        <source>Urgent</source>
        <translation>加急</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="155"/>
        <source>Very urgent</source>
        <translation>特急</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="157"/>
        <source>Urgency:</source>
        <translation>紧急程度：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="159"/>
        <source>Number series:</source>
        <translation>发文字号：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="161"/>
        <location filename="../../client/ui/drafting_editor.py" line="360"/>
        <source>Signs for issue:</source>
        <translation>签发领导：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="164"/>
        <source>Reviewer (核稿):</source>
        <translation>核稿人：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="168"/>
        <source>Countersign (会签):</source>
        <translation>会签：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="172"/>
        <source>Notes (附注):</source>
        <translation>附注：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="176"/>
        <source>Add file…</source>
        <translation>添加附件…</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="177"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="186"/>
        <source>Attachments (附件说明):</source>
        <translation>附件说明：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="197"/>
        <source>Level:</source>
        <translation>层次：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="202"/>
        <source>Paragraph (Ctrl+0)</source>
        <translation>正文段落（Ctrl+0）</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="203"/>
        <source>一、 Heading 1 (Ctrl+1)</source>
        <translation>一、 一级标题（Ctrl+1）</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="204"/>
        <source>（一） Heading 2 (Ctrl+2)</source>
        <translation>（一） 二级标题（Ctrl+2）</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="205"/>
        <source>1. Heading 3 (Ctrl+3)</source>
        <translation>1. 三级标题（Ctrl+3）</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="206"/>
        <source>（1） Heading 4 (Ctrl+4)</source>
        <translation>（1） 四级标题（Ctrl+4）</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="227"/>
        <source>Delete draft</source>
        <translation>删除草稿</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="230"/>
        <source>&amp;Submit</source>
        <translation>提交(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="269"/>
        <source>(choose)</source>
        <translation>（请选择）</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="270"/>
        <location filename="../../client/ui/drafting_editor.py" line="342"/>
        <location filename="../../client/ui/drafting_editor.py" line="343"/>
        <location filename="../../client/ui/drafting_editor.py" line="346"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="329"/>
        <source>Draft (saved on this PC as you type)</source>
        <translation>拟稿（边写边自动保存在本机）</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="330"/>
        <source>Submitted: waiting to be sent</source>
        <translation>已提交，待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="331"/>
        <source>Submitted</source>
        <translation>已提交</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="332"/>
        <location filename="../../client/ui/drafting_editor.py" line="333"/>
        <source>The platform refused it: reopen and change it</source>
        <translation>平台未受理，请修改后重新提交</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="359"/>
        <source>签发人 (printed):</source>
        <translation>签发人（印于版头）：</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="377"/>
        <source>Editing…</source>
        <translation>正在编辑…</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="387"/>
        <source>Saved %1</source>
        <translation>已于 %1 保存</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="398"/>
        <source>Main recipients</source>
        <translation>主送</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="398"/>
        <source>Copy to</source>
        <translation>抄送</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="412"/>
        <source>Countersign (会签)</source>
        <translation>会签</translation>
    </message>
</context>
<context>
    <name>EnrolKeyDialog</name>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="32"/>
        <source>Enrol signing key</source>
        <translation>启用签名密钥</translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="36"/>
        <source>Before this PC can sign, its signing key must be enrolled. Enter your password again and the one-time enrolment code you received from the county information centre.</source>
        <translation>本机签名密钥启用后方可签批。请再次输入密码，并输入县信息中心发放的一次性签名启用码。</translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="44"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="46"/>
        <source>Enrolment code</source>
        <translation>签名启用码</translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="48"/>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="49"/>
        <source>Enrolment &amp;code:</source>
        <translation>签名启用码(&amp;C)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="57"/>
        <source>&amp;Enrol</source>
        <translation>启用(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="70"/>
        <source>Please enter your password and the enrolment code.</source>
        <translation>请输入密码和签名启用码。</translation>
    </message>
</context>
<context>
    <name>FiltersBar</name>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="49"/>
        <source>Search title, doc no., issuer (Ctrl+F)</source>
        <translation>搜索标题、文号、来文机关（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="50"/>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="57"/>
        <location filename="../../client/ui/filters_bar.py" line="100"/>
        <source>Urgency</source>
        <translation>缓急</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="59"/>
        <source>Any urgency</source>
        <translation>全部缓急</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="62"/>
        <source>Extra urgent or urgent</source>
        <translation>特急或加急</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="66"/>
        <source>Document type</source>
        <translation>文种</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="67"/>
        <source>Any type</source>
        <translation>全部文种</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="73"/>
        <location filename="../../client/ui/filters_bar.py" line="74"/>
        <source>Issuer</source>
        <translation>来文机关</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="86"/>
        <source>Received within</source>
        <translation>收文时间范围</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="87"/>
        <source>Any time</source>
        <translation>全部时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="88"/>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="89"/>
        <source>Last 7 days</source>
        <translation>最近7天</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="90"/>
        <source>Last 30 days</source>
        <translation>最近30天</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="93"/>
        <source>&amp;Unread only</source>
        <translation>只看未读(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="96"/>
        <source>S&amp;ort:</source>
        <translation>排序(&amp;O)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="98"/>
        <source>Sort order</source>
        <translation>排序方式</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="99"/>
        <source>Newest</source>
        <translation>最新收文</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="101"/>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="102"/>
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
        <location filename="../../client/ui/inbox_model.py" line="211"/>
        <source>Urgency</source>
        <translation>缓急</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="211"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="211"/>
        <source>Doc No.</source>
        <translation>文号</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="211"/>
        <source>Issuer</source>
        <translation>来文机关</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="212"/>
        <source>Step</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="212"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="213"/>
        <source>Received</source>
        <translation>收文时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="213"/>
        <source>Due</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="248"/>
        <source>Signed here, waiting to be sent to the platform</source>
        <translation>已在本机签批，等待发送到平台</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="250"/>
        <source>The platform did not accept this; see Problems</source>
        <translation>平台未接受，请查看“同步问题”</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="252"/>
        <source>Past its deadline</source>
        <translation>已超过办理时限</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="256"/>
        <source>unread</source>
        <translation>未读</translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="318"/>
        <source>, </source>
        <translation>、</translation>
    </message>
</context>
<context>
    <name>InboxPage</name>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="63"/>
        <source>Document list</source>
        <translation>公文列表</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="153"/>
        <source>No documents match the search or filters.</source>
        <translation>没有符合搜索或筛选条件的公文。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="155"/>
        <source>All done: nothing is waiting for you.</source>
        <translation>待办已全部办理，没有等待您办理的公文。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="156"/>
        <source>You have not handled any documents yet.</source>
        <translation>您还没有办理过公文。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="157"/>
        <source>No documents have been received yet.</source>
        <translation>还没有收到公文。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="158"/>
        <source>Nothing is circulated to you to read.</source>
        <translation>没有传阅给您的文件。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="170"/>
        <source>Clear the search and filters</source>
        <translation>清除搜索和筛选条件</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="182"/>
        <source>%1 shown</source>
        <translation>显示 %1 条</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="159"/>
        <source>Nothing here.</source>
        <translation>暂无内容。</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../client/ui/fmt.py" line="38"/>
        <source>Today %1</source>
        <translation>今天 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="55"/>
        <source>Extra urgent</source>
        <translation>特急</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="56"/>
        <source>Urgent</source>
        <translation>加急</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="63"/>
        <source>Propose</source>
        <translation>拟办</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="64"/>
        <source>Instruct</source>
        <translation>批示</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="65"/>
        <source>Handle</source>
        <translation>承办</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="66"/>
        <source>Read</source>
        <translation>阅知</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="67"/>
        <source>Countersign</source>
        <translation>会签</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="73"/>
        <source>Approve</source>
        <translation>同意</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="74"/>
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="75"/>
        <source>Forward</source>
        <translation>转办</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="76"/>
        <source>Read and noted</source>
        <translation>已阅</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="77"/>
        <source>Done</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="83"/>
        <source>Pending</source>
        <translation>待办</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="84"/>
        <location filename="../../client/ui/fmt.py" line="94"/>
        <source>Completed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="85"/>
        <source>Returned</source>
        <translation>已退回</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="86"/>
        <source>Cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="92"/>
        <source>Registered</source>
        <translation>已登记</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="93"/>
        <source>In progress</source>
        <translation>办理中</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="95"/>
        <source>Archived</source>
        <translation>已归档</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="101"/>
        <source>Signature valid</source>
        <translation>签名有效</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="102"/>
        <source>Signature INVALID</source>
        <translation>签名无效</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="103"/>
        <source>Signature not verifiable</source>
        <translation>签名无法验证</translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="104"/>
        <source>Not yet sent</source>
        <translation>待发送</translation>
    </message>
</context>
<context>
    <name>LockOverlay</name>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="79"/>
        <source>Screen locked</source>
        <translation>屏幕已锁定</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="87"/>
        <source>GovDesk is locked</source>
        <translation>GovDesk 已锁定</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="91"/>
        <source>Signed in as %1. Enter your password to continue.</source>
        <translation>当前用户：%1。请输入密码继续。</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="96"/>
        <location filename="../../client/ui/lock_overlay.py" line="97"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="100"/>
        <source>&amp;Unlock</source>
        <translation>解锁(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="106"/>
        <source>Unlock message</source>
        <translation>解锁提示</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="132"/>
        <source>Checking the password…</source>
        <translation>正在验证密码…</translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="147"/>
        <source>Wrong password, please try again.</source>
        <translation>密码错误，请重试。</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="63"/>
        <source>GovDesk — Sign in</source>
        <translation>GovDesk 政务桌面 — 登录</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="72"/>
        <source>GovDesk county e-government desk</source>
        <translation>GovDesk 县级电子政务办公桌面</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="76"/>
        <source>Documents, sign-off and notices — also without a network</source>
        <translation>收文、签批、通知公告——断网也能办公</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="83"/>
        <source>Platform address</source>
        <translation>平台地址</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="87"/>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="90"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="91"/>
        <source>Platform &amp;address:</source>
        <translation>平台地址(&amp;A)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="92"/>
        <source>&amp;User name:</source>
        <translation>用户名(&amp;U)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="93"/>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="97"/>
        <source>Enrolment code</source>
        <translation>签名启用码</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="98"/>
        <source>first sign-in on this PC: from the county IT</source>
        <translation>本机首次登录时填写，由县信息中心发放</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="99"/>
        <source>Enrolment &amp;code:</source>
        <translation>签名启用码(&amp;C)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="107"/>
        <location filename="../../client/ui/login_dialog.py" line="137"/>
        <source>&amp;Sign in</source>
        <translation>登录(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="124"/>
        <source>Please fill in the platform address, user name and password.</source>
        <translation>请填写平台地址、用户名和密码。</translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="128"/>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../client/ui/main_window.py" line="52"/>
        <source>GovDesk — %1</source>
        <translation>GovDesk 政务桌面 — %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="190"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="191"/>
        <source>&amp;Print processing form…</source>
        <translation>打印处理笺(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="193"/>
        <source>Save processing form as &amp;PDF…</source>
        <translation>处理笺存为PDF(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="196"/>
        <source>&amp;Lock</source>
        <translation>锁定(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="197"/>
        <source>E&amp;xit</source>
        <translation>退出(&amp;X)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="199"/>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="204"/>
        <source>&amp;Search</source>
        <translation>搜索(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="205"/>
        <source>Next document &amp;to do</source>
        <translation>下一件待办(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="206"/>
        <source>Back to &amp;list</source>
        <translation>返回列表(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="207"/>
        <source>&amp;Sync</source>
        <translation>同步(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="208"/>
        <source>Sync &amp;now</source>
        <translation>立即同步(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="209"/>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="210"/>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="211"/>
        <source>&amp;Enrol signing key…</source>
        <translation>启用签名密钥(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="213"/>
        <source>&amp;New notice…</source>
        <translation>发布通知(&amp;N)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="264"/>
        <source>Quit GovDesk</source>
        <translation>退出政务桌面</translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/main_window.py" line="265"/>
        <source>%n operation(s) have not been sent to the platform yet.</source>
        <translation>
            <numerusform>还有 %n 项操作尚未发送到平台。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="268"/>
        <source>Send them now, before quitting? If you quit anyway they are kept on this computer and sent the next time you work online.</source>
        <translation>是否先发送再退出？直接退出也不会丢失：这些操作保存在本机，下次联网使用时自动发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="272"/>
        <source>You are offline: they are kept on this computer and sent the next time you work online.</source>
        <translation>当前离线：这些操作保存在本机，下次联网使用时自动发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="276"/>
        <source>&amp;Send first, then quit</source>
        <translation>先发送再退出(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="278"/>
        <source>&amp;Quit anyway</source>
        <translation>直接退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="278"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="290"/>
        <source>Sending your work to the platform; GovDesk closes when it is done…</source>
        <translation>正在把您的操作发送到平台，发送完毕后自动退出…</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="451"/>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="479"/>
        <source>Signing key enrolled: you can sign on this PC.</source>
        <translation>签名密钥已启用，本机可以签批。</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="489"/>
        <source>%1 on %2 (key %3)</source>
        <translation>%1 在 %2 上（密钥 %3）</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="492"/>
        <source>an unknown device</source>
        <translation>未知设备</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="494"/>
        <source>New signing key</source>
        <translation>新的签名密钥</translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="495"/>
        <source>A new signing key was enrolled for your account:
%1

If this was not you, revoke it at once (command line: keys --revoke) and call the county information centre.</source>
        <translation>您的账号启用了新的签名密钥：
%1

如非本人操作，请立即吊销该密钥（命令行：keys --revoke）并联系县信息中心。</translation>
    </message>
</context>
<context>
    <name>NavList</name>
    <message>
        <location filename="../../client/ui/nav.py" line="35"/>
        <source>Navigation</source>
        <translation>导航</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="50"/>
        <source>To do</source>
        <translation>待办</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="51"/>
        <source>Done</source>
        <translation>已办</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="52"/>
        <source>All received</source>
        <translation>收文</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="53"/>
        <source>For reading</source>
        <translation>传阅</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="54"/>
        <source>Notices</source>
        <translation>通知公告</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="55"/>
        <source>Problems</source>
        <translation>同步问题</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="56"/>
        <source>Outgoing</source>
        <translation>发文</translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="57"/>
        <source>Clerk desk</source>
        <translation>收发</translation>
    </message>
</context>
<context>
    <name>NoteDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="118"/>
        <source>Send a note</source>
        <translation>发送留言</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="119"/>
        <source>&amp;Note (edit it before sending if you like):</source>
        <translation>留言内容（发送前可修改）(&amp;N)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="121"/>
        <source>The note cannot be empty.</source>
        <translation>留言内容不能为空。</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="122"/>
        <source>&amp;Remove the problem from the list once sent (your text travels in the note)</source>
        <translation>发送后从同步问题中移除此项（您写的内容随留言发出）(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="126"/>
        <source>&amp;Send note</source>
        <translation>发送留言(&amp;S)</translation>
    </message>
</context>
<context>
    <name>NoticeComposeDialog</name>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="51"/>
        <source>New notice</source>
        <translation>发布通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="57"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="58"/>
        <source>&amp;Title:</source>
        <translation>标题(&amp;T)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="60"/>
        <source>Text</source>
        <translation>正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="62"/>
        <source>Te&amp;xt:</source>
        <translation>正文(&amp;X)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="65"/>
        <source>Audience units</source>
        <translation>发送单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="70"/>
        <source>&amp;Audience:</source>
        <translation>发送范围(&amp;A)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="72"/>
        <source>Ask for &amp;confirmation of receipt</source>
        <translation>要求确认收到(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="74"/>
        <source>&amp;Urgent</source>
        <translation>紧急(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="80"/>
        <source>&amp;Expires on</source>
        <translation>有效期至(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="93"/>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="95"/>
        <source>A&amp;dd file…</source>
        <translation>添加文件(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="97"/>
        <source>Remo&amp;ve</source>
        <translation>移除(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="104"/>
        <source>Attachments:</source>
        <translation>附件：</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="110"/>
        <source>&amp;Publish</source>
        <translation>发布(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="152"/>
        <source>Add attachments</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="165"/>
        <source>a title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="167"/>
        <source>the text</source>
        <translation>正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="169"/>
        <source>at least one audience unit</source>
        <translation>至少一个发送单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="171"/>
        <source>Still needed: %1</source>
        <translation>还需填写：%1</translation>
    </message>
</context>
<context>
    <name>NoticeListModel</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="57"/>
        <source>[Urgent]</source>
        <translation>[紧急]</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="59"/>
        <source>[Please confirm]</source>
        <translation>[请确认]</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="61"/>
        <source>[Waiting to be sent]</source>
        <translation>[待发送]</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="71"/>
        <source>unread</source>
        <translation>未读</translation>
    </message>
</context>
<context>
    <name>NoticesPage</name>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="81"/>
        <source>Downloading the attachment…</source>
        <translation>正在下载附件…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="87"/>
        <source>This attachment is not on this computer yet. It will be downloaded when the connection allows.</source>
        <translation>该附件尚未下载到本机，联网后将自动下载。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="117"/>
        <source>Notice submitted: sending it to the platform…</source>
        <translation>通知已提交，正在发送到平台…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="118"/>
        <source>Notice submitted. Offline: it will be published when the network is back.</source>
        <translation>通知已提交。当前离线，联网后发布。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="120"/>
        <source>Notice published on the platform.</source>
        <translation>通知已在平台发布。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="121"/>
        <source>The platform did not publish the notice: see Problems.</source>
        <translation>平台未发布该通知，请查看“同步问题”。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="130"/>
        <source>Receipts</source>
        <translation>回执</translation>
    </message>
</context>
<context>
    <name>NoticesView</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="89"/>
        <source>Notices</source>
        <translation>通知公告</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="93"/>
        <source>&amp;New notice…</source>
        <translation>发布通知(&amp;N)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="94"/>
        <source>Publish a notice to units (Ctrl+N)</source>
        <translation>向各单位发布通知（Ctrl+N）</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="105"/>
        <source>Notice list</source>
        <translation>通知列表</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="122"/>
        <source>Notice text</source>
        <translation>通知正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="134"/>
        <source>&amp;Confirm receipt</source>
        <translation>确认收到(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="136"/>
        <source>Tell the publisher you have received this notice</source>
        <translation>告知发布人您已收到本通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="138"/>
        <source>&amp;Receipts…</source>
        <translation>回执情况(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="139"/>
        <source>Who has read and confirmed this notice</source>
        <translation>查看谁已阅读、确认本通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="179"/>
        <source>Choose a notice</source>
        <translation>请选择通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="189"/>
        <source>Published %1</source>
        <translation>发布于 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="192"/>
        <source>Valid until %1</source>
        <translation>有效期至 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="194"/>
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="199"/>
        <source>Attachments: %1</source>
        <translation>附件：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="201"/>
        <source>Click a name to open the attachment</source>
        <translation>点击附件名称即可打开</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="205"/>
        <source>Submitted %1, waiting to be sent to the platform</source>
        <translation>%1 已提交，待发送到平台</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="212"/>
        <source>Receipt confirmed (waiting to be sent)</source>
        <translation>已确认收到（待发送）</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="213"/>
        <source>Receipt confirmed</source>
        <translation>已确认收到</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="215"/>
        <source>The publisher asks you to confirm receipt</source>
        <translation>发布人要求确认收到</translation>
    </message>
</context>
<context>
    <name>OutgoingPage</name>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="127"/>
        <source>New draft</source>
        <translation>新建拟稿</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="133"/>
        <source>Outgoing documents</source>
        <translation>发文</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="146"/>
        <source>Choose a document on the left, or start a new draft.</source>
        <translation>请在左侧选择公文，或新建拟稿。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="198"/>
        <source>My drafts</source>
        <translation>我的拟稿</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="198"/>
        <source>To review</source>
        <translation>待核稿</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="199"/>
        <source>To sign for issue</source>
        <translation>待签发</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="199"/>
        <source>Issued</source>
        <translation>已发文</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="200"/>
        <source>Clerk&apos;s to-do</source>
        <translation>收发待办</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="203"/>
        <source>To number</source>
        <translation>待编号</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="203"/>
        <source>To seal</source>
        <translation>待用印</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="204"/>
        <source>To issue</source>
        <translation>待核发</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="267"/>
        <source>Nothing here.</source>
        <translation>暂无公文。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="274"/>
        <source>(untitled)</source>
        <translation>（无标题）</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="279"/>
        <source>Returned to you: revise it</source>
        <translation>已退回，请修改</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="281"/>
        <source>Done here; waiting to be sent</source>
        <translation>已办理，待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="283"/>
        <source>Refused by the platform</source>
        <translation>平台未受理</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="285"/>
        <source>(waiting to be sent)</source>
        <translation>（待发送）</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="354"/>
        <source>Submitted; sending it to the platform…</source>
        <translation>已提交，正在发送…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="355"/>
        <source>Submitted; it is sent when online.</source>
        <translation>已提交，联网后发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="356"/>
        <source>Submitted to the platform.</source>
        <translation>已提交到平台。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="375"/>
        <source>Attach files</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="423"/>
        <source>%1 signed on this PC; sending it to the platform…</source>
        <translation>%1已在本机签署，正在发送…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="425"/>
        <source>%1 signed on this PC; it is sent when online.</source>
        <translation>%1已在本机签署，联网后发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="427"/>
        <source>%1 delivered to the platform.</source>
        <translation>%1已送达平台。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="459"/>
        <source>Numbering</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="459"/>
        <source>Sealing</source>
        <translation>用印</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="460"/>
        <source>Issuing</source>
        <translation>核发</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="460"/>
        <source>Cancelling</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="465"/>
        <source>%1 queued; sending it to the platform…</source>
        <translation>%1已记录，正在发送…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="466"/>
        <source>%1 queued; it is sent when online.</source>
        <translation>%1已记录，联网后发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="467"/>
        <source>%1 done on the platform.</source>
        <translation>%1已在平台完成。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="477"/>
        <source>The platform did not accept it; see Problems.</source>
        <translation>平台未接受此操作，请在“同步问题”中查看。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="496"/>
        <source>Downloading the issued document…</source>
        <translation>正在下载正式公文…</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="501"/>
        <source>The issued document is not on this computer yet: open it again when online.</source>
        <translation>正式公文尚未下载到本机，请联网后再打开。</translation>
    </message>
</context>
<context>
    <name>OutgoingRecord</name>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="498"/>
        <source>Number (编号)</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="499"/>
        <location filename="../../client/ui/outgoing_views.py" line="663"/>
        <source>Seal (用印)</source>
        <translation>用印</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="500"/>
        <location filename="../../client/ui/outgoing_views.py" line="659"/>
        <source>Issue (核发)</source>
        <translation>核发</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="501"/>
        <source>Cancel…</source>
        <translation>撤销…</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="503"/>
        <source>Open the issued document (PDF)</source>
        <translation>查看正式公文（PDF）</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="523"/>
        <source>Receipts (回执)</source>
        <translation>回执</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="531"/>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="531"/>
        <source>As</source>
        <translation>主送/抄送</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="531"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="531"/>
        <source>By</source>
        <translation>签收人/退回人</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="532"/>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="532"/>
        <source>Reason</source>
        <translation>退回原因</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="551"/>
        <source>numbering</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="551"/>
        <source>sealing</source>
        <translation>用印</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="552"/>
        <source>issuing</source>
        <translation>核发</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="552"/>
        <source>cancelling</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="555"/>
        <source>(%1 waiting to be sent)</source>
        <translation>（%1待发送）</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="578"/>
        <source>Next number: %1</source>
        <translation>将编为：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="580"/>
        <source>No seal registered for the unit</source>
        <translation>本单位尚未登记印章</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="176"/>
        <source>Route</source>
        <translation>办理过程</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="177"/>
        <source>waiting</source>
        <translation>待办</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="178"/>
        <source>returned</source>
        <translation>已退回</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="179"/>
        <source>withdrawn</source>
        <translation>已撤回</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="186"/>
        <source>done here, waiting to be sent</source>
        <translation>已办理，待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="189"/>
        <source>version %1</source>
        <translation>第%1稿</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="220"/>
        <source>done</source>
        <translation>已办</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="223"/>
        <source>waiting to be sent</source>
        <translation>待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="490"/>
        <source>Details</source>
        <translation>公文要素</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="491"/>
        <location filename="../../client/ui/outgoing_views.py" line="687"/>
        <source>Text</source>
        <translation>正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="598"/>
        <source>%1 units: %2 received, %3 refused, %4 not yet received (%5 overdue)</source>
        <translation>共 %1 个单位：已签收 %2，已退回 %3，未签收 %4（逾期 %5）</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="604"/>
        <source>Receipts appear here once it is issued.</source>
        <translation>核发后在此显示各单位回执。</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="608"/>
        <source>Not received</source>
        <translation>未签收</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="608"/>
        <source>Received</source>
        <translation>已签收</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="609"/>
        <source>Refused</source>
        <translation>已退回</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="610"/>
        <source>Main</source>
        <translation>主送</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="610"/>
        <source>Copy</source>
        <translation>抄送</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="615"/>
        <source>Overdue — not received</source>
        <translation>逾期未签收</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="654"/>
        <source>Issue %1 “%2” to %3 main recipient units and %4 copy units? Each unit gets it at once; this cannot be undone.</source>
        <translation>确认核发%1《%2》？将分送主送 %3 个单位，抄送 %4 个单位，各单位立即收到，核发后不可撤回。</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="659"/>
        <source>Issue</source>
        <translation>核发</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="661"/>
        <source>Seal %1 “%2” with the unit&apos;s seal? This cannot be undone.</source>
        <translation>确认对%1《%2》加盖本单位印章？用印后不可撤回。</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="663"/>
        <source>Seal</source>
        <translation>用印</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="676"/>
        <source>Cancel the document</source>
        <translation>撤销公文</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="677"/>
        <source>Reason (a number it holds is recorded as a gap, never reused):</source>
        <translation>撤销原因（已编文号作空号登记，不再使用）：</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="688"/>
        <source>Text (version %1, waiting to be sent)</source>
        <translation>正文（第%1稿，待发送）</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="690"/>
        <source>Text (version %1)</source>
        <translation>正文（第%1稿）</translation>
    </message>
</context>
<context>
    <name>Printing</name>
    <message>
        <location filename="../../client/ui/printing.py" line="71"/>
        <source>Page %1 of %2</source>
        <translation>第 %1 页 共 %2 页</translation>
    </message>
</context>
<context>
    <name>ProblemsPage</name>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="56"/>
        <source>The document no longer has a step for you. Your text is still kept here.</source>
        <translation>这份公文已没有您的待办环节，您的意见仍保留在此。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="73"/>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="74"/>
        <source>Discard this action? The text you wrote will be deleted.</source>
        <translation>确定放弃这项操作吗？您填写的内容将被删除。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="87"/>
        <source>Note to %1 about “%2”</source>
        <translation>就“%2”给%1留言</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="89"/>
        <source>Note to %1</source>
        <translation>给%1留言</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="107"/>
        <source>Note to %1 queued; it is sent with the next sync.</source>
        <translation>给%1的留言已加入待发送，将在下次同步时发出。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="119"/>
        <source>Recall the sign-off</source>
        <translation>撤回签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="120"/>
        <source>Recall your sign-off on %1? If it has not been sent yet it is taken back here and the document returns to your to-do list with your opinion kept as a draft.</source>
        <translation>撤回您对%1的签批？如尚未发送，将在本机撤回，文件退回您的待办，所填意见保留为草稿。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="130"/>
        <source>Recalled. It had not been sent; the document is back in your to-do list with your text.</source>
        <translation>已撤回：该签批尚未发送，文件已退回您的待办，所填意见已保留。</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="134"/>
        <source>It was already being sent: a recall request was queued; the platform decides.</source>
        <translation>该签批已在发送中：已排队撤回请求，由平台确认能否撤回。</translation>
    </message>
</context>
<context>
    <name>ProblemsView</name>
    <message>
        <location filename="../../client/ui/problems_view.py" line="48"/>
        <source>Problems</source>
        <translation>同步问题</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="51"/>
        <source>The platform did not accept these actions. Nothing you wrote is lost: the text is kept below. Redo the action on the document&apos;s current state, or discard it.</source>
        <translation>平台未接受以下操作。您填写的内容没有丢失，保留在下方。可以按公文当前状态重新办理，或放弃。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="186"/>
        <source>No sync problems to handle. Every action has reached the platform.</source>
        <translation>没有需要处理的同步问题。所有操作都已送达平台。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="64"/>
        <source>No sync problems</source>
        <translation>没有同步问题</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="67"/>
        <location filename="../../client/ui/problems_view.py" line="127"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="67"/>
        <location filename="../../client/ui/problems_view.py" line="128"/>
        <source>Document / notice</source>
        <translation>公文 / 通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="68"/>
        <location filename="../../client/ui/problems_view.py" line="129"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="68"/>
        <location filename="../../client/ui/problems_view.py" line="84"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="68"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="70"/>
        <source>Problem list</source>
        <translation>问题列表</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="86"/>
        <source>What you wrote (kept):</source>
        <translation>您填写的内容（已保留）：</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="89"/>
        <source>Kept text</source>
        <translation>保留的内容</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="92"/>
        <source>&amp;Redo on current state…</source>
        <translation>按当前状态重新办理(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="94"/>
        <source>Open the document with your text filled in, to sign again</source>
        <translation>打开公文并填入您原来的意见，重新签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="96"/>
        <source>D&amp;iscard</source>
        <translation>放弃(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="99"/>
        <source>&amp;Copy text</source>
        <translation>复制内容(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="100"/>
        <source>Copy the action, the reason and what you wrote, to paste into a note or a message</source>
        <translation>复制操作、原因和您填写的内容，便于粘贴到便签或消息中</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="105"/>
        <source>&amp;Send to current holder…</source>
        <translation>发送给当前办理人(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="106"/>
        <source>Send what you wrote as a note to the person who handles this step now; you can edit it first</source>
        <translation>将您写的内容作为留言发给此环节的当前办理人，发送前可以修改</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="127"/>
        <source>Document number</source>
        <translation>文号</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="128"/>
        <source>Since</source>
        <translation>操作时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="129"/>
        <source>Last error</source>
        <translation>上次错误</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="131"/>
        <source>Operations waiting to be sent</source>
        <translation>待发送的操作</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="137"/>
        <source>Re&amp;call this sign-off…</source>
        <translation>撤回此签批(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="138"/>
        <source>Take back a sign-off that is still waiting to be sent: the document returns to your to-do list with your text kept</source>
        <translation>撤回尚未发送的签批：文件回到您的待办，所填意见保留</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="165"/>
        <source>Conflict</source>
        <translation>冲突</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="165"/>
        <source>Refused</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="166"/>
        <location filename="../../client/ui/problems_view.py" line="194"/>
        <source>Set aside</source>
        <translation>已搁置</translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/problems_view.py" line="183"/>
        <source>No sync problems to handle. %n operation(s) still waiting to be sent to the platform.</source>
        <translation>
            <numerusform>没有需要处理的同步问题。还有 %n 项操作等待发送到平台。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="193"/>
        <source>Waiting</source>
        <translation>等待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="193"/>
        <source>Sent, no answer yet</source>
        <translation>已发出，待平台答复</translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/problems_view.py" line="200"/>
        <source>Waiting to be sent (%n)</source>
        <translation>
            <numerusform>待发送的操作（%n）</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="238"/>
        <source>Sign-off</source>
        <translation>签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="238"/>
        <source>Recall sign-off</source>
        <translation>撤回签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="239"/>
        <source>Confirm receipt</source>
        <translation>确认收到</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="240"/>
        <source>Publish notice</source>
        <translation>发布通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="241"/>
        <source>Mark read</source>
        <translation>标记已读</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="242"/>
        <source>Register key</source>
        <translation>登记签名密钥</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="244"/>
        <source>Receive (签收)</source>
        <translation>签收</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="245"/>
        <source>Refuse (拒收)</source>
        <translation>拒收</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="246"/>
        <source>Register (登记)</source>
        <translation>登记</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="247"/>
        <source>Route (分办)</source>
        <translation>分办</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="248"/>
        <source>Reminder (催办)</source>
        <translation>催办</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="249"/>
        <source>Cancel task</source>
        <translation>撤销办理环节</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="250"/>
        <source>Reassign task</source>
        <translation>改派</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="251"/>
        <source>Complete (办结)</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="252"/>
        <source>Archive (归档)</source>
        <translation>归档</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="253"/>
        <source>Note (留言)</source>
        <translation>留言</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="281"/>
        <source>Decision: %1</source>
        <translation>处理决定：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="314"/>
        <source>proposal (拟办意见)</source>
        <translation>拟办意见</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="315"/>
        <source>instruction (批示)</source>
        <translation>批示</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="316"/>
        <source>handling opinion (办理意见)</source>
        <translation>办理意见</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="317"/>
        <source>countersignature (会签意见)</source>
        <translation>会签意见</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="318"/>
        <source>read confirmation (阅知)</source>
        <translation>阅知</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="334"/>
        <source>This step was reassigned by %1 at %2 and is with you again; your %4 was not recorded, redo it on the current step.</source>
        <translation>此环节已由%1于%2 改派，现又回到您手中，您的%4未被记录，请在当前环节重新签批。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="337"/>
        <source>This step was reassigned to %3 by %1 at %2; your %4 was not recorded.</source>
        <translation>此环节已由%1于%2 改派给%3，您的%4未被记录。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="339"/>
        <source>This step was reassigned by %1 at %2; your %4 was not recorded.</source>
        <translation>此环节已由%1于%2 改派，您的%4未被记录。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="340"/>
        <source>This step was cancelled by %1 at %2; your %4 was not recorded.</source>
        <translation>此环节已由%1于%2 撤销，您的%4未被记录。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="342"/>
        <source>%1 returned the document at %2, which withdrew this step; your %4 was not recorded.</source>
        <translation>%1于%2 退回了公文，此环节随之撤销，您的%4未被记录。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="344"/>
        <source>%1 recalled the sign-off that created this step at %2; your %4 was not recorded.</source>
        <translation>%1于%2 撤回了上一环节的签批，此环节随之撤销，您的%4未被记录。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="346"/>
        <source>%1 completed (办结) the document at %2; your %4 was not recorded.</source>
        <translation>此公文已由%1于%2 办结，您的%4未被记录。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="348"/>
        <source>You already signed this step at %2 (perhaps on another PC); this %4 was not recorded.</source>
        <translation>您已于%2 签批此环节（可能是在另一台电脑上），本次%4未被记录。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="351"/>
        <source>%1 already signed this step at %2; your %4 was not recorded.</source>
        <translation>此环节已由%1于%2 签批，您的%4未被记录。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="352"/>
        <source>This notice was withdrawn by %1 at %2; your %4 was not recorded.</source>
        <translation>此通知已由%1于%2 撤回，您的%4未被记录。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="356"/>
        <source>This step was changed by %1 at %2; your %4 was not recorded.</source>
        <translation>此环节已由%1于%2 变更，您的%4未被记录。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="360"/>
        <source> Reason given: %1.</source>
        <translation>理由：%1。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="362"/>
        <source> The step is with you again.</source>
        <translation>此环节已回到您手中。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="364"/>
        <source> The step is now with %1.</source>
        <translation>此环节现由%1办理。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="373"/>
        <source> Your text was sent to %1 as a note.</source>
        <translation>您写的内容已作为留言发给%1。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="375"/>
        <source> What you wrote is kept below.</source>
        <translation>您写的内容保留在下方。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="378"/>
        <source>It has not reached the platform; it is kept here until you retry or discard it.</source>
        <translation>该操作尚未送达平台，在您重试或放弃之前保留在本机。</translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="381"/>
        <source>Your %1 was not recorded on the platform; what you wrote is kept below.</source>
        <translation>您的%1未被平台记录，所填内容保留在下方。</translation>
    </message>
</context>
<context>
    <name>ProcessingForm</name>
    <message>
        <location filename="../../client/ui/processing_form.py" line="73"/>
        <source>Proposed handling</source>
        <translation>拟办意见</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="75"/>
        <source>Leaders&apos; instructions</source>
        <translation>领导批示</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="76"/>
        <source>Handling</source>
        <translation>承办结果</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="77"/>
        <source>Circulated to</source>
        <translation>传阅</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="134"/>
        <source>To:</source>
        <translation>送：</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="145"/>
        <source>[handwriting not downloaded]</source>
        <translation>[手写签名未下载]</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="193"/>
        <source>Incoming Document Processing Form</source>
        <translation>收文处理笺</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="176"/>
        <source>Reg. No.</source>
        <translation>收文编号</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="177"/>
        <source>Received</source>
        <translation>收文日期</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="174"/>
        <source>Issuer</source>
        <translation>来文单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="45"/>
        <source>Internal</source>
        <translation>内部</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="46"/>
        <source>Secret</source>
        <translation>秘密</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="47"/>
        <source>Confidential</source>
        <translation>机密</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="48"/>
        <source>Top secret</source>
        <translation>绝密</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="129"/>
        <source>(recalled by the signer)</source>
        <translation>（签批人已撤回）</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="155"/>
        <source>(platform received %1)</source>
        <translation>（平台于%1收到）</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="175"/>
        <source>Doc No.</source>
        <translation>文号</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="178"/>
        <source>Classification</source>
        <translation>密级</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="179"/>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="180"/>
        <source>Doc type</source>
        <translation>文种</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="181"/>
        <source>Signatory</source>
        <translation>签发人</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="185"/>
        <source>Issued on</source>
        <translation>成文日期</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="182"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="183"/>
        <source>Main recipients</source>
        <translation>主送</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="184"/>
        <source>Copied to</source>
        <translation>抄送</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="186"/>
        <source>Waiting for:</source>
        <translation>待办理：</translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="187"/>
        <source>Notes</source>
        <translation>附注</translation>
    </message>
</context>
<context>
    <name>QAbstractFileIconProvider</name>
    <message>
        <location filename="../../client/ui/i18n.py" line="53"/>
        <source>Folder</source>
        <comment>All other platforms</comment>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../client/ui/i18n.py" line="54"/>
        <source>Folder</source>
        <comment>Match Windows Explorer</comment>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../client/ui/i18n.py" line="55"/>
        <source>File</source>
        <comment>All other platforms</comment>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../client/ui/i18n.py" line="56"/>
        <source>File</source>
        <comment>Match Windows Explorer</comment>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../client/ui/i18n.py" line="57"/>
        <source>%1 File</source>
        <comment>%1 is a file name suffix, for example txt</comment>
        <translation>%1 文件</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <location filename="../../client/ui/i18n.py" line="43"/>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/i18n.py" line="44"/>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>QFileSystemModel</name>
    <message>
        <location filename="../../client/ui/i18n.py" line="42"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
</context>
<context>
    <name>ReceiptsWidget</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="251"/>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="251"/>
        <source>Read</source>
        <translation>阅读时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="251"/>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="252"/>
        <source>Confirmed</source>
        <translation>确认时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="254"/>
        <source>Receipts</source>
        <translation>回执</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="267"/>
        <source>%1 of %2 confirmed, %3 read</source>
        <translation>%2 人中已确认 %1 人，已阅 %3 人</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="279"/>
        <location filename="../../client/ui/notices_view.py" line="296"/>
        <source>not yet</source>
        <translation>未确认</translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="290"/>
        <source> (platform received %1)</source>
        <translation>（平台于%1收到）</translation>
    </message>
</context>
<context>
    <name>RecipientDialog</name>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="49"/>
        <source>Filter units</source>
        <translation>筛选单位</translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="55"/>
        <source>%1 (%2 units)</source>
        <translation>%1（%2个单位）</translation>
    </message>
</context>
<context>
    <name>RefuseDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="96"/>
        <source>Refuse document</source>
        <translation>拒收来文</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="97"/>
        <source>Refuse “%1” and send it back to the sender?</source>
        <translation>拒收《%1》并退回来文单位？</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="99"/>
        <source>&amp;Reason for refusing (the sender sees it):</source>
        <translation>拒收原因（来文单位可见）(&amp;R)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="101"/>
        <source>&amp;Refuse</source>
        <translation>拒收(&amp;R)</translation>
    </message>
</context>
<context>
    <name>RegistrationFormView</name>
    <message>
        <location filename="../../client/ui/registration_form.py" line="69"/>
        <source>Registration</source>
        <translation>收文登记</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="74"/>
        <location filename="../../client/ui/registration_form.py" line="281"/>
        <source>Register and route</source>
        <translation>登记分办</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="77"/>
        <source>← &amp;Back to the desk</source>
        <translation>← 返回收发(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="93"/>
        <source>Registration (登记)</source>
        <translation>登记</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="105"/>
        <source>Normal</source>
        <translation>一般</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="105"/>
        <source>Urgent (加急)</source>
        <translation>加急</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="106"/>
        <source>Extra urgent (特急)</source>
        <translation>特急</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="121"/>
        <source>Issuing &amp;body:</source>
        <translation>来文机关(&amp;B)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="122"/>
        <source>&amp;Title:</source>
        <translation>标题(&amp;T)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="123"/>
        <source>Document &amp;number:</source>
        <translation>文号(&amp;N)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="124"/>
        <source>&amp;Kind:</source>
        <translation>文种(&amp;K)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="124"/>
        <source>&amp;Urgency:</source>
        <translation>紧急程度(&amp;U)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="126"/>
        <source>&amp;Signed by:</source>
        <translation>签发人(&amp;S)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="127"/>
        <source>Date of &amp;issue:</source>
        <translation>成文日期(&amp;I)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="129"/>
        <source>N&amp;otes:</source>
        <translation>附注(&amp;O)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="130"/>
        <source>Registration no.:</source>
        <translation>收文编号：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="134"/>
        <source>Choose scanned &amp;PDF…</source>
        <translation>选择扫描件 PDF(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="138"/>
        <source>Body:</source>
        <translation>正文：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="141"/>
        <source>Routing (分办)</source>
        <translation>分办</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="149"/>
        <source>To the office head to &amp;propose (拟办)</source>
        <translation>送办公室主任拟办(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="150"/>
        <source>Straight to &amp;leaders for instructions (批示)</source>
        <translation>直送领导批示(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="156"/>
        <source>Office head</source>
        <translation>办公室主任</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="159"/>
        <source>Leaders</source>
        <translation>领导</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="165"/>
        <source>Circulate to (传阅):</source>
        <translation>传阅：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="167"/>
        <source>Filter by name or unit</source>
        <translation>按姓名或单位筛选</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="171"/>
        <source>Readers</source>
        <translation>传阅人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="175"/>
        <source>&amp;Due by:</source>
        <translation>办理时限(&amp;D)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="191"/>
        <source>&amp;Register and route</source>
        <translation>登记并分办(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="270"/>
        <source>(given by the platform)</source>
        <translation>（由平台编号）</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="276"/>
        <source>Register a paper document</source>
        <translation>登记纸质来文</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="277"/>
        <source>A paper document scanned to PDF: type its details as printed, choose the scan, and route it.</source>
        <translation>纸质来文扫描为 PDF 后登记：按原件填写各项内容，选择扫描件，再行分办。</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="279"/>
        <source>No file chosen</source>
        <translation>尚未选择文件</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="283"/>
        <source>Received through the exchange %1. The details are taken from the document; correct the title, number, urgency or notes if needed.</source>
        <translation>%1 经公文交换签收。各项内容取自来文，如有需要可更正标题、文号、紧急程度或附注。</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="287"/>
        <source>From the exchange (see the preview)</source>
        <translation>来自公文交换（见右侧预览）</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="313"/>
        <source>Choose the scanned document</source>
        <translation>选择扫描件</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="314"/>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="357"/>
        <source>Please fill in the title.</source>
        <translation>请填写标题。</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="360"/>
        <source>Please choose the scanned PDF of the document.</source>
        <translation>请选择来文的扫描件（PDF）。</translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="363"/>
        <source>Please choose the office head, or at least one leader.</source>
        <translation>请选择拟办的办公室主任，或至少一位批示领导。</translation>
    </message>
</context>
<context>
    <name>RemindDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="108"/>
        <source>Send a reminder</source>
        <translation>催办</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="109"/>
        <source>&amp;Message to the person handling it:</source>
        <translation>催办内容（发给办理人）(&amp;M)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="111"/>
        <source>Send &amp;reminder</source>
        <translation>发送催办(&amp;R)</translation>
    </message>
</context>
<context>
    <name>RerouteDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="141"/>
        <source>Reassign task</source>
        <translation>改派</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="142"/>
        <source>&amp;Reason for reassigning:</source>
        <translation>改派原因(&amp;R)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="146"/>
        <source>New person</source>
        <translation>改派给</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="147"/>
        <source>(choose a person)</source>
        <translation>（请选择人员）</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="155"/>
        <source>Reassign &amp;to:</source>
        <translation>改派给(&amp;T)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="160"/>
        <source>&amp;Reassign</source>
        <translation>改派(&amp;R)</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="48"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="52"/>
        <source>Text size</source>
        <translation>字号</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="59"/>
        <source>&amp;Text size:</source>
        <translation>字号(&amp;T)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="61"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="69"/>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="73"/>
        <location filename="../../client/ui/settings_dialog.py" line="121"/>
        <source>A new language applies when GovDesk starts again.</source>
        <translation>新的语言将在重新启动 GovDesk 后生效。</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="87"/>
        <source>After %1 minutes without use (set by your administrator)</source>
        <translation>无操作 %1 分钟后（由管理员设定）</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="89"/>
        <source>Off (set by your administrator)</source>
        <translation>关闭（由管理员设定）</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="91"/>
        <source>Auto-lock:</source>
        <translation>自动锁定：</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="94"/>
        <source>Auto-lock</source>
        <translation>自动锁定</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="98"/>
        <source>After %1 minutes without use</source>
        <translation>无操作 %1 分钟后</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="99"/>
        <source>Never</source>
        <translation>从不</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="101"/>
        <source>&amp;Auto-lock:</source>
        <translation>自动锁定(&amp;A)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="117"/>
        <source>Restart GovDesk to use the new language. Your work is kept.</source>
        <translation>请重新启动 GovDesk 以使用新的语言，已做的工作不会丢失。</translation>
    </message>
</context>
<context>
    <name>SignoffPanel</name>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="97"/>
        <source>Sign-off</source>
        <translation>签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="146"/>
        <source>&amp;Opinion:</source>
        <translation>意见(&amp;O)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="155"/>
        <source>Opinion</source>
        <translation>意见</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="149"/>
        <source>Save as phrase</source>
        <translation>存为常用语</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="150"/>
        <source>Keep the opinion text in your phrase book</source>
        <translation>把当前意见保存到常用语</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="165"/>
        <source>Common phrases</source>
        <translation>常用语</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="166"/>
        <source>Double-click or press Enter to insert</source>
        <translation>双击或按回车插入</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="181"/>
        <source>&amp;Recipients…</source>
        <translation>选择人员(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="182"/>
        <source>Choose who handles or receives it next</source>
        <translation>选择下一步办理或接收的人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="193"/>
        <source>&amp;Circulate to…</source>
        <translation>传阅(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="194"/>
        <source>Choose who reads this document for information (传阅)</source>
        <translation>选择传阅（阅知）这份公文的人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="202"/>
        <source>C&amp;ountersign by…</source>
        <translation>会签(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="203"/>
        <source>Choose leaders of other units who sign alongside (会签)</source>
        <translation>选择一同签署（会签）的其他单位领导</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="156"/>
        <source>Write your opinion, or pick a phrase</source>
        <translation>请填写意见，或选用右侧常用语</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="162"/>
        <source>&amp;Phrases:</source>
        <translation>常用语(&amp;P)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="218"/>
        <location filename="../../client/ui/signoff_panel.py" line="304"/>
        <source>Handwritten signature (optional)</source>
        <translation>手写签名（可选）</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="229"/>
        <source>Undo stroke</source>
        <translation>撤销一笔</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="230"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="257"/>
        <source>Sign</source>
        <translation>签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="258"/>
        <source>Sign and stay on this document</source>
        <translation>签批后留在本文</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="260"/>
        <source>Sign &amp;&amp; next  (Ctrl+Enter)</source>
        <translation>签批并办下一件（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="263"/>
        <source>Sign and open the next document to do (Ctrl+Enter)</source>
        <translation>签批后打开下一件待办（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="264"/>
        <source>Sign and next</source>
        <translation>签批并办下一件</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="306"/>
        <source>Handwritten signature (drawn)</source>
        <translation>手写签名（已签写）</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="382"/>
        <source>Nothing to sign here</source>
        <translation>此文无需您签批</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="387"/>
        <source>Your step: %1</source>
        <translation>您的环节：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="388"/>
        <source>Due %1</source>
        <translation>办理时限：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="391"/>
        <source>&amp;Approve</source>
        <translation>同意(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="391"/>
        <source>Re&amp;turn</source>
        <translation>退回(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="392"/>
        <source>&amp;Forward</source>
        <translation>转办(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="392"/>
        <source>Read and &amp;noted</source>
        <translation>已阅(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="393"/>
        <source>&amp;Done</source>
        <translation>办结(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="491"/>
        <location filename="../../client/ui/signoff_panel.py" line="496"/>
        <source>Nobody (optional)</source>
        <translation>未选择（可不选）</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="508"/>
        <source>Choose at least one person</source>
        <translation>请至少选择一人</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="510"/>
        <source>Nobody chosen (optional)</source>
        <translation>未选择（可选）</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="523"/>
        <source>Countersign by (会签)</source>
        <translation>会签人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="532"/>
        <source>Circulate to (传阅)</source>
        <translation>选择传阅人员</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="563"/>
        <source>Choose a decision first.</source>
        <translation>请先选择处理意见。</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="567"/>
        <source>Choose who receives it before sending it on.</source>
        <translation>请先选择接收人员，再转送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="572"/>
        <source>Write the reason for returning it.</source>
        <translation>请填写退回理由。</translation>
    </message>
</context>
<context>
    <name>StepPanel</name>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="266"/>
        <location filename="../../client/ui/outgoing_views.py" line="361"/>
        <source>Text</source>
        <translation>正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="267"/>
        <source>Changes from the last version</source>
        <translation>与上一稿对照</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="268"/>
        <source>Details</source>
        <translation>公文要素</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="271"/>
        <source>Edit the text</source>
        <translation>修改正文</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="276"/>
        <source>What was changed (修改说明)</source>
        <translation>修改说明</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="305"/>
        <source>&amp;Opinion:</source>
        <translation>意见(&amp;O)：</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="314"/>
        <source>Handwritten signature:</source>
        <translation>手写签名：</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="319"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="348"/>
        <source>%1 — your step</source>
        <translation>%1 — 请您办理</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="349"/>
        <source>%1 — done</source>
        <translation>%1 — 已办理</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="367"/>
        <source>Text %1 · digest %2</source>
        <translation>正文 %1 · 摘要 %2</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="394"/>
        <source>Signed with this PC&apos;s key</source>
        <translation>以本机密钥签名</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="396"/>
        <source>Done here; waiting to be sent.</source>
        <translation>已办理，待发送。</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="399"/>
        <source>The text on this PC does not match its hash. Sync, then open it again.</source>
        <translation>本机正文与其哈希不符，请同步后重新打开。</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="419"/>
        <source>Reason for returning it (required)</source>
        <translation>退回原因（必填）</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="440"/>
        <source>Please give a reason for returning it.</source>
        <translation>请填写退回原因。</translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message>
        <location filename="../../client/ui/status_bar.py" line="24"/>
        <source>Connection state</source>
        <translation>连接状态</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="26"/>
        <source>Last synchronisation</source>
        <translation>上次同步时间</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="28"/>
        <source>Operations waiting to be sent</source>
        <translation>待发送的操作</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="33"/>
        <source>Files not yet downloaded</source>
        <translation>尚未下载的文件</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="39"/>
        <source>Sync problems</source>
        <translation>同步问题</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="44"/>
        <source>Synchronising</source>
        <translation>正在同步</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="48"/>
        <source>Synchronisation progress</source>
        <translation>同步进度</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="50"/>
        <source>&amp;Sync now</source>
        <translation>立即同步(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="51"/>
        <source>Send your work and fetch new documents (F5)</source>
        <translation>发送已办事项并获取新公文（F5）</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="52"/>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/status_bar.py" line="74"/>
        <source>Sync incomplete: %n file(s) for your pending work not yet downloaded</source>
        <translation>
            <numerusform>同步未完成：待办所需的 %n 个文件尚未下载</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="76"/>
        <source>The link to the platform broke while files were downloading; the next sync continues</source>
        <translation>下载文件时与平台的连接中断，下次同步将继续下载</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="81"/>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="81"/>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="83"/>
        <source>Connected to the county platform</source>
        <translation>已连接市电子政务平台</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="84"/>
        <source>Working offline: everything you sign is kept and sent later</source>
        <translation>离线办公：您的签批会保存在本机，联网后发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="91"/>
        <source>Not synchronised yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="93"/>
        <source>Last sync: %1</source>
        <translation>上次同步：%1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/status_bar.py" line="98"/>
        <source>%n operation(s) waiting to be sent</source>
        <translation>
            <numerusform>%n 项操作待发送</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="99"/>
        <source>Nothing waiting to be sent</source>
        <translation>没有待发送的操作</translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/status_bar.py" line="103"/>
        <source>%n problem(s)</source>
        <translation>
            <numerusform>%n 个问题</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="133"/>
        <source>Sending %1 of %2 operations</source>
        <translation>正在上传操作 %1/%2</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="136"/>
        <source>Receiving changes: %1 pages, %2 items</source>
        <translation>正在接收变更：%1 页，%2 项</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="139"/>
        <source>, %1 received</source>
        <translation>，已接收 %1</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="143"/>
        <source>Checking documents and attachments</source>
        <translation>正在检查正文和附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="144"/>
        <source>Downloading files %1/%2, %3 of %4</source>
        <translation>正在下载文件 %1/%2，%3 / %4</translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="148"/>
        <source>, about %1 s left</source>
        <translation>，约剩 %1 秒</translation>
    </message>
</context>
<context>
    <name>SystemOpen</name>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="25"/>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="29"/>
        <source>%1 files (*.%2)</source>
        <translation>%1 文件 (*.%2)</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="50"/>
        <source>No program to open this file</source>
        <translation>没有可打开此文件的程序</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="51"/>
        <source>This computer has no program that opens “%1” (for a PDF: a PDF reader; ask the information centre to install one).

Save the file to another place instead?</source>
        <translation>本机没有能打开“%1”的程序（PDF 文件需要 PDF 阅读器，请联系信息中心安装）。

是否将文件另存到其他位置？</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="59"/>
        <source>Save as</source>
        <translation>另存为</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="67"/>
        <source>Could not save: %1</source>
        <translation>无法保存：%1</translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="70"/>
        <source>Saved %1</source>
        <translation>已保存：%1</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <location filename="../../client/ui/tray.py" line="26"/>
        <source>GovDesk</source>
        <translation>GovDesk 政务桌面</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="28"/>
        <source>Show GovDesk</source>
        <translation>显示 GovDesk</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="29"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="42"/>
        <source>Extra urgent document</source>
        <translation>特急公文</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="45"/>
        <source>Urgent notice</source>
        <translation>紧急通知</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="49"/>
        <source>Reminder from %1</source>
        <translation>%1催办</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="50"/>
        <source>Reminder</source>
        <translation>催办</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="55"/>
        <source>Note from %1</source>
        <translation>%1的留言</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="55"/>
        <source>Note</source>
        <translation>留言</translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="61"/>
        <source>Unlock GovDesk to read it.</source>
        <translation>请解锁 GovDesk 后查看。</translation>
    </message>
</context>
<context>
    <name>_ReasonDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="48"/>
        <source>Common reasons</source>
        <translation>常用原因</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="54"/>
        <source>Common reasons (click one to use it):</source>
        <translation>常用原因（单击即可填入）：</translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="65"/>
        <source>A reason is required.</source>
        <translation>必须填写原因。</translation>
    </message>
</context>
<context>
    <name>_Text</name>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="52"/>
        <source>Draft</source>
        <translation>草稿</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="52"/>
        <source>Waiting to be sent</source>
        <translation>待发送</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="53"/>
        <source>Submitted</source>
        <translation>已提交</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="53"/>
        <location filename="../../client/ui/outgoing_views.py" line="54"/>
        <source>Refused</source>
        <translation>未受理</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="54"/>
        <source>In review (核稿)</source>
        <translation>核稿中</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="55"/>
        <source>Countersigning (会签)</source>
        <translation>会签中</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="56"/>
        <source>Waiting for 签发</source>
        <translation>待签发</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="56"/>
        <source>Signed for issue</source>
        <translation>已签发</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="57"/>
        <source>Numbered</source>
        <translation>已编号</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="57"/>
        <source>Sealed</source>
        <translation>已用印</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="58"/>
        <source>Issued</source>
        <translation>已核发</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="58"/>
        <source>Returned for revision</source>
        <translation>退回修改</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="59"/>
        <source>Cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="64"/>
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="66"/>
        <source>Resubmit</source>
        <translation>重新提交</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="67"/>
        <source>Approve for issue</source>
        <translation>同意印发</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="67"/>
        <source>Approve</source>
        <translation>核稿通过</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="68"/>
        <source>Agree</source>
        <translation>同意</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="71"/>
        <source>hash verified</source>
        <translation>哈希已核验</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="71"/>
        <source>HASH DOES NOT MATCH</source>
        <translation>哈希不符</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="73"/>
        <source>Version %1 (%2)</source>
        <translation>第%1稿（%2）</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="80"/>
        <source>First version: nothing to compare.</source>
        <translation>首稿，无可对照的上一稿。</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="89"/>
        <source>Kind</source>
        <translation>文种</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="90"/>
        <source>Drafted by</source>
        <translation>拟稿</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="92"/>
        <source>Main recipients</source>
        <translation>主送</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="93"/>
        <source>Copy to</source>
        <translation>抄送</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="94"/>
        <source>Signs for issue</source>
        <translation>签发人</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="95"/>
        <source>Number</source>
        <translation>发文字号</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="97"/>
        <source>Date (成文日期)</source>
        <translation>成文日期</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="99"/>
        <source>Notes</source>
        <translation>附注</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="103"/>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="109"/>
        <source>Digest %1 verified</source>
        <translation>摘要 %1 已核验</translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="110"/>
        <source>Digest NOT verified: sync, then read it again</source>
        <translation>摘要未通过核验，请同步后重新阅读</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>Wrong user name or password.</source>
        <extracomment>auth.invalid_credentials</extracomment>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <source>Your sign-in has expired. Please sign in again.</source>
        <extracomment>auth.token_expired, auth.refresh_expired</extracomment>
        <translation>登录已过期，请重新登录。</translation>
    </message>
    <message>
        <source>Your sign-in is no longer valid. Please sign in again.</source>
        <extracomment>auth.invalid_token, auth.refresh_invalid, auth.unauthenticated</extracomment>
        <translation>登录已失效，请重新登录。</translation>
    </message>
    <message>
        <source>The sign-in of this device was revoked. Please sign in again.</source>
        <extracomment>auth.session_revoked</extracomment>
        <translation>此设备的登录已被注销，请重新登录。</translation>
    </message>
    <message>
        <source>The sign-in credentials of this device were used twice, so the platform revoked them. Please sign in again; if it was not you, contact the information centre.</source>
        <extracomment>auth.refresh_reused</extracomment>
        <translation>此设备的登录凭据被重复使用，已被平台注销。请重新登录；如非本人操作，请联系信息中心。</translation>
    </message>
    <message>
        <source>Please sign in first.</source>
        <extracomment>auth.required</extracomment>
        <translation>请先登录。</translation>
    </message>
    <message>
        <source>Too many failed sign-ins. Please try again in {retry_after} seconds.</source>
        <extracomment>auth.throttled</extracomment>
        <translation>登录失败次数过多，请在 {retry_after} 秒后再试。</translation>
    </message>
    <message>
        <source>Too many failed sign-ins. Please try again later.</source>
        <extracomment>auth.throttled</extracomment>
        <translation>登录失败次数过多，请稍后再试。</translation>
    </message>
    <message>
        <source>This account has been disabled. Please contact the administrator.</source>
        <extracomment>auth.user_inactive, auth.account_disabled</extracomment>
        <translation>该账号已停用，请联系管理员。</translation>
    </message>
    <message>
        <source>You are not allowed to do this.</source>
        <extracomment>auth.forbidden</extracomment>
        <translation>您没有执行此操作的权限。</translation>
    </message>
    <message>
        <source>This account has never signed in online on this PC, so it cannot be opened offline. Sign in once while connected.</source>
        <extracomment>auth.offline_unavailable</extracomment>
        <translation>此账户尚未在本机联网登录过，无法离线打开。请在联网时先登录一次。</translation>
    </message>
    <message>
        <source>Account {username} has not signed in on this PC. Please sign in first.</source>
        <extracomment>auth.not_logged_in</extracomment>
        <translation>账户 {username} 尚未在本机登录。请先登录。</translation>
    </message>
    <message>
        <source>Not signed in. Please sign in first.</source>
        <extracomment>auth.not_logged_in</extracomment>
        <translation>尚未登录。请先登录。</translation>
    </message>
    <message>
        <source>The account behind this user name has changed on the platform. Please contact the administrator. Nothing on this PC was changed.</source>
        <extracomment>auth.user_changed</extracomment>
        <translation>平台上该用户名对应的账户已变更，请联系管理员。本机数据未被改动。</translation>
    </message>
    <message>
        <source>Cannot reach the platform. Check the network or the platform address.</source>
        <extracomment>network.unreachable</extracomment>
        <translation>无法连接到平台，请检查网络或平台地址。</translation>
    </message>
    <message>
        <source>Cannot reach the platform at {url}. This account has not signed in on this PC yet, and the first sign-in needs the platform: check the platform address and the network.</source>
        <extracomment>network.first_login_unreachable</extracomment>
        <translation>无法连接到平台 {url}。此账户尚未在本机登录过，首次登录必须连接平台：请检查平台地址和网络。</translation>
    </message>
    <message>
        <source>The platform did not answer in time. Check the network and try again.</source>
        <extracomment>network.timeout</extracomment>
        <translation>平台响应超时，请检查网络后重试。</translation>
    </message>
    <message>
        <source>The platform is temporarily unavailable. Please try again later.</source>
        <extracomment>network.unavailable, server.unavailable</extracomment>
        <translation>平台暂时不可用，请稍后重试。</translation>
    </message>
    <message>
        <source>Cannot reach the platform through the proxy server. Check the proxy settings.</source>
        <extracomment>network.proxy</extracomment>
        <translation>无法通过代理服务器连接平台，请检查代理设置。</translation>
    </message>
    <message>
        <source>The proxy server {proxy} refused the connection: check the proxy&apos;s address and port, or ask IT whether the proxy is running.</source>
        <extracomment>network.proxy_refused</extracomment>
        <translation>代理服务器 {proxy} 拒绝连接：请检查代理的地址和端口，或请信息中心确认代理服务是否在运行。</translation>
    </message>
    <message>
        <source>The proxy server&apos;s name {host} cannot be found: check the proxy address in the settings or in HTTPS_PROXY.</source>
        <extracomment>network.proxy_unknown_host</extracomment>
        <translation>找不到代理服务器 {host}：请检查设置中或 HTTPS_PROXY 环境变量中的代理地址。</translation>
    </message>
    <message>
        <source>The proxy server {proxy} asks for a user name and password, or refused the ones given (HTTP 407): put them in the proxy address (http://user:password@host:port) or ask IT.</source>
        <extracomment>network.proxy_auth</extracomment>
        <translation>代理服务器 {proxy} 要求提供用户名和密码，或拒绝了所提供的用户名和密码（HTTP 407）：请在代理地址中填写（http://用户名:密码@主机:端口），或联系信息中心。</translation>
    </message>
    <message>
        <source>The proxy server {proxy} does not let this PC reach the platform (HTTP 403): ask IT to allow the platform&apos;s address on the proxy.</source>
        <extracomment>network.proxy_forbidden</extracomment>
        <translation>代理服务器 {proxy} 不允许本机访问平台（HTTP 403）：请联系信息中心在代理上放行平台地址。</translation>
    </message>
    <message>
        <source>The proxy server {proxy} works, but could not reach the platform beyond it ({answer}): check the platform address, whether the platform is running, and ask IT whether the proxy may reach it.</source>
        <extracomment>network.proxy_upstream</extracomment>
        <translation>代理服务器 {proxy} 工作正常，但无法连接到其后的平台（{answer}）：请检查平台地址、平台是否在运行，并请信息中心确认代理可以访问平台。</translation>
    </message>
    <message>
        <source>Sent; the platform&apos;s answer has not arrived yet. It will be confirmed automatically at the next sync.</source>
        <extracomment>network.answer_lost</extracomment>
        <translation>已发送，尚未收到平台答复，将在下次同步时自动确认。</translation>
    </message>
    <message>
        <source>The connection to the platform broke. Please try again later.</source>
        <extracomment>network.interrupted</extracomment>
        <translation>与平台的连接中断，请稍后重试。</translation>
    </message>
    <message>
        <source>The platform&apos;s security certificate is not trusted: check the platform address, or ask the administrator to set the county&apos;s root certificate (ca_file).</source>
        <extracomment>tls.untrusted</extracomment>
        <translation>平台的安全证书不受信任：请确认平台地址正确，或请管理员在配置中提供本县的根证书（ca_file）。</translation>
    </message>
    <message>
        <source>The platform&apos;s certificate was issued for another name than the address used: connect with the name the certificate was issued for, or ask IT to issue one for this address.</source>
        <extracomment>tls.wrong_host</extracomment>
        <translation>平台的安全证书签发给了另一个名称，与所用地址不符：请使用证书所签发的名称连接，或请信息中心为此地址签发证书。</translation>
    </message>
    <message>
        <source>The platform is temporarily unavailable (HTTP {status}). Please try again later.</source>
        <extracomment>server.unavailable</extracomment>
        <translation>平台暂时不可用（HTTP {status}），请稍后重试。</translation>
    </message>
    <message>
        <source>The platform had an internal error. Please try again later.</source>
        <extracomment>server.internal_error</extracomment>
        <translation>平台出现内部错误，请稍后重试。</translation>
    </message>
    <message>
        <source>The platform refused the request (HTTP {status}).</source>
        <extracomment>http.error</extracomment>
        <translation>平台拒绝了请求（HTTP {status}）。</translation>
    </message>
    <message>
        <source>The platform sent data that does not follow the protocol. Nothing was changed locally.</source>
        <extracomment>protocol.malformed</extracomment>
        <translation>平台返回的数据不符合协议。本地数据未作改动。</translation>
    </message>
    <message>
        <source>The platform sent change data in a wrong format. This sync changed nothing and will be retried later.</source>
        <extracomment>protocol.bad_change</extracomment>
        <translation>平台返回的变更数据格式不正确，本次同步未做任何修改，将稍后重试。</translation>
    </message>
    <message>
        <source>The platform&apos;s protocol version {server} does not fit this client ({client}). Please upgrade the client or contact the administrator.</source>
        <extracomment>protocol.version</extracomment>
        <translation>平台协议版本 {server} 与本客户端（{client}）不兼容，请升级客户端或联系管理员。</translation>
    </message>
    <message>
        <source>The platform could not accept the request.</source>
        <extracomment>request.invalid</extracomment>
        <translation>平台无法接受该请求。</translation>
    </message>
    <message>
        <source>The request was not valid JSON.</source>
        <extracomment>request.malformed_json</extracomment>
        <translation>请求不是有效的 JSON。</translation>
    </message>
    <message>
        <source>The request is too large for the platform.</source>
        <extracomment>request.too_large</extracomment>
        <translation>请求内容过大，平台无法接受。</translation>
    </message>
    <message>
        <source>The platform does not offer this function.</source>
        <extracomment>route.not_found, route.method_not_allowed</extracomment>
        <translation>平台不提供此功能。</translation>
    </message>
    <message>
        <source>The local sync position has expired; a full sync is needed.</source>
        <extracomment>cursor.expired</extracomment>
        <translation>本地同步位置已过期，需要重新完整同步。</translation>
    </message>
    <message>
        <source>The platform was restored from a backup; this PC synchronises again from scratch and sends its recent operations again.</source>
        <extracomment>cursor.diverged</extracomment>
        <translation>平台已从备份恢复，本机将重新完整同步，并重新发送近期的操作。</translation>
    </message>
    <message>
        <source>The platform did not recognise the local sync position.</source>
        <extracomment>cursor.invalid</extracomment>
        <translation>平台无法识别本地同步位置。</translation>
    </message>
    <message>
        <source>The platform refused the operation&apos;s data.</source>
        <extracomment>op.invalid_data</extracomment>
        <translation>平台拒绝了该操作的数据。</translation>
    </message>
    <message>
        <source>The operation&apos;s id was already used for another operation.</source>
        <extracomment>op.id_reused</extracomment>
        <translation>该操作编号已被另一项操作使用。</translation>
    </message>
    <message>
        <source>The platform does not know this kind of operation.</source>
        <extracomment>op.unknown_type</extracomment>
        <translation>平台不支持这类操作。</translation>
    </message>
    <message>
        <source>This task is not on this PC or on the platform (it may have been withdrawn).</source>
        <extracomment>task.not_found</extracomment>
        <translation>本机和平台上都没有这项待办（可能已被收回）。</translation>
    </message>
    <message>
        <source>This task is assigned to someone else; you cannot sign it.</source>
        <extracomment>task.not_assignee</extracomment>
        <translation>这项待办不是分派给您的，不能签批。</translation>
    </message>
    <message>
        <source>This task has already been handled.</source>
        <extracomment>task.not_pending</extracomment>
        <translation>这项待办已经办理，不能再次签批。</translation>
    </message>
    <message>
        <source>The step was withdrawn or moved to someone else on the platform.</source>
        <extracomment>task.cancelled</extracomment>
        <translation>平台上该办理环节已被撤回或改派他人</translation>
    </message>
    <message>
        <source>Choose which of this document&apos;s tasks to sign again.</source>
        <extracomment>task.choose</extracomment>
        <translation>请在这份公文的待办中选择要重新签批的一项。</translation>
    </message>
    <message>
        <source>This kind of task does not allow that decision or those recipients.</source>
        <extracomment>task.decision_not_allowed</extracomment>
        <translation>此类待办不能作出该处理决定，或不能选择这些人员。</translation>
    </message>
    <message>
        <source>Please choose the people to send it to.</source>
        <extracomment>task.forward_required</extracomment>
        <translation>请选择转送的人员。</translation>
    </message>
    <message>
        <source>You cannot forward a task to yourself; choose someone else.</source>
        <extracomment>task.forward_to_self</extracomment>
        <translation>不能转办给自己，请选择其他人员。</translation>
    </message>
    <message>
        <source>This is the last task of its step; it cannot be cancelled.</source>
        <extracomment>task.last_in_stage</extracomment>
        <translation>这是该环节的最后一项待办，不能撤销。</translation>
    </message>
    <message>
        <source>The task is already assigned to that person.</source>
        <extracomment>task.same_assignee</extracomment>
        <translation>该待办已经分派给此人。</translation>
    </message>
    <message>
        <source>Write something to send.</source>
        <extracomment>note.empty</extracomment>
        <translation>请填写留言内容。</translation>
    </message>
    <message>
        <source>Send the note to someone else.</source>
        <extracomment>note.to_self</extracomment>
        <translation>不能给自己留言，请选择其他人。</translation>
    </message>
    <message>
        <source>That person does not handle this document, so the note cannot go to them.</source>
        <extracomment>note.recipient_not_allowed</extracomment>
        <translation>此人不经办这份公文，无法给其留言。</translation>
    </message>
    <message>
        <source>The note is too long (at most {limit} characters).</source>
        <extracomment>note.too_long</extracomment>
        <translation>留言过长（最多 {limit} 个字）。</translation>
    </message>
    <message>
        <source>Cannot recall: the next step has already been handled.</source>
        <extracomment>task.recall_too_late</extracomment>
        <translation>无法撤回：下一步已开始办理。</translation>
    </message>
    <message>
        <source>Cannot recall: the document has been archived.</source>
        <extracomment>task.recall_document_closed</extracomment>
        <translation>无法撤回：文件已归档。</translation>
    </message>
    <message>
        <source>This sign-off has already been recalled.</source>
        <extracomment>task.recall_already</extracomment>
        <translation>该签批已经撤回。</translation>
    </message>
    <message>
        <source>Cannot recall: the platform has no record of this sign-off.</source>
        <extracomment>task.recall_not_signed</extracomment>
        <translation>无法撤回：平台没有这份签批的记录。</translation>
    </message>
    <message>
        <source>Only the person who signed may recall a sign-off.</source>
        <extracomment>task.recall_not_author</extracomment>
        <translation>只有签批人本人可以撤回签批。</translation>
    </message>
    <message>
        <source>You have no sign-off on this document to recall.</source>
        <extracomment>task.recall_nothing</extracomment>
        <translation>您在这份文件上没有可撤回的签批。</translation>
    </message>
    <message>
        <source>Please give a reason for returning it.</source>
        <extracomment>opinion.reason_required</extracomment>
        <translation>退回时请填写退回理由。</translation>
    </message>
    <message>
        <source>The opinion is longer than {limit} characters.</source>
        <extracomment>opinion.too_long</extracomment>
        <translation>意见不能超过 {limit} 个字。</translation>
    </message>
    <message>
        <source>The time of the signature is not plausible (in the future, or before the task or the signing key existed). Check this PC&apos;s clock and sign again.</source>
        <extracomment>signature.time_out_of_range</extracomment>
        <translation>签名时间不合理（晚于当前时间，或早于该待办、签名密钥的产生时间）。请检查本机时钟后重新签批。</translation>
    </message>
    <message>
        <source>The signature does not verify.</source>
        <extracomment>signature.invalid</extracomment>
        <translation>签名验证未通过。</translation>
    </message>
    <message>
        <source>The signing key is not registered to you on the platform.</source>
        <extracomment>signature.unknown_key</extracomment>
        <translation>平台上没有登记您的这个签名密钥。</translation>
    </message>
    <message>
        <source>The signing key has been revoked.</source>
        <extracomment>signature.key_revoked</extracomment>
        <translation>签名密钥已被吊销。</translation>
    </message>
    <message>
        <source>The signing key does not belong to the signed-in user.</source>
        <extracomment>signature.wrong_user</extracomment>
        <translation>签名密钥不属于当前用户。</translation>
    </message>
    <message>
        <source>The handwritten signature image has a wrong format.</source>
        <extracomment>handwriting.not_png</extracomment>
        <translation>手写签名图像格式不正确。</translation>
    </message>
    <message>
        <source>A chosen person is not an active user.</source>
        <extracomment>routing.unknown_user</extracomment>
        <translation>所选人员中有人不是在用账户。</translation>
    </message>
    <message>
        <source>A chosen person is not in the directory. Please choose again.</source>
        <extracomment>user.unknown</extracomment>
        <translation>所选人员不在通讯录中，请重新选择。</translation>
    </message>
    <message>
        <source>The sign-off record cannot be found.</source>
        <extracomment>op.not_found</extracomment>
        <translation>找不到该签批记录。</translation>
    </message>
    <message>
        <source>This sign-off has no conflict; there is nothing to redo.</source>
        <extracomment>op.not_in_conflict</extracomment>
        <translation>该签批没有冲突，无需重新办理。</translation>
    </message>
    <message>
        <source>This operation cannot be retried.</source>
        <extracomment>op.not_retryable</extracomment>
        <translation>该操作不能重试。</translation>
    </message>
    <message>
        <source>{count} documents have the number {ref}; use a document id: {ids}.</source>
        <extracomment>document.ambiguous_number</extracomment>
        <translation>有 {count} 份公文的文号是 {ref}，请用公文编号：{ids}。</translation>
    </message>
    <message>
        <source>You have no pending task on this document.</source>
        <extracomment>document.no_pending_task</extracomment>
        <translation>您在这份公文上没有待办理的事项。</translation>
    </message>
    <message>
        <source>You have several pending tasks on this document; use a task id: {ids}.</source>
        <extracomment>document.several_pending_tasks</extracomment>
        <translation>您在这份公文上有多项待办，请用待办编号：{ids}。</translation>
    </message>
    <message>
        <source>This document is not on this PC (it may have been withdrawn or not yet synced).</source>
        <extracomment>document.not_found</extracomment>
        <translation>本机没有这份公文（可能已被收回或尚未同步）。</translation>
    </message>
    <message>
        <source>The document&apos;s data on this PC is incomplete. Please sync, then sign.</source>
        <extracomment>document.incomplete</extracomment>
        <translation>本机的公文数据不完整，请同步后再签批。</translation>
    </message>
    <message>
        <source>The document changed on the platform after you read it.</source>
        <extracomment>document.digest_mismatch</extracomment>
        <translation>您阅读之后，公文在平台上已被改动。</translation>
    </message>
    <message>
        <source>The document has been archived.</source>
        <extracomment>document.archived</extracomment>
        <translation>该公文已归档</translation>
    </message>
    <message>
        <source>The document is not completed yet.</source>
        <extracomment>document.not_completed</extracomment>
        <translation>该公文尚未办结。</translation>
    </message>
    <message>
        <source>Classified documents cannot be handled on this platform.</source>
        <extracomment>document.classified</extracomment>
        <translation>涉密公文不能在本平台办理。</translation>
    </message>
    <message>
        <source>The document&apos;s data is not valid.</source>
        <extracomment>document.invalid</extracomment>
        <translation>公文数据无效。</translation>
    </message>
    <message>
        <source>The processing form file is not valid.</source>
        <extracomment>form.malformed</extracomment>
        <translation>处理单文件无效。</translation>
    </message>
    <message>
        <source>Cannot write the processing form file {path}: {reason}.</source>
        <extracomment>form.write_failed</extracomment>
        <translation>无法写入处理单文件 {path}：{reason}。</translation>
    </message>
    <message>
        <source>Cannot read the processing form file {path}: {reason}.</source>
        <extracomment>form.unreadable</extracomment>
        <translation>无法读取处理单文件 {path}：{reason}。</translation>
    </message>
    <message>
        <source>This notice is not on this PC (it may have been withdrawn).</source>
        <extracomment>notice.not_found</extracomment>
        <translation>本机没有这条通知（可能已被撤回）。</translation>
    </message>
    <message>
        <source>The notice is not valid.</source>
        <extracomment>notice.invalid</extracomment>
        <translation>通知内容无效。</translation>
    </message>
    <message>
        <source>The notice has been withdrawn.</source>
        <extracomment>notice.withdrawn</extracomment>
        <translation>该通知已被撤回。</translation>
    </message>
    <message>
        <source>The notice has expired.</source>
        <extracomment>notice.expired</extracomment>
        <translation>该通知已过期。</translation>
    </message>
    <message>
        <source>The title is longer than {limit} characters.</source>
        <extracomment>notice.title_too_long</extracomment>
        <translation>标题不能超过 {limit} 个字。</translation>
    </message>
    <message>
        <source>This notice has already been sent for publishing and cannot be changed.</source>
        <extracomment>notice.already_queued</extracomment>
        <translation>这条通知已提交发布，不能再修改。</translation>
    </message>
    <message>
        <source>The same notice is already waiting to be published: &quot;{title}&quot;.</source>
        <extracomment>notice.duplicate_pending</extracomment>
        <translation>同一则通知已提交发布，正在等待发送：“{title}”。</translation>
    </message>
    <message>
        <source>The notice draft cannot be found.</source>
        <extracomment>notice.draft_not_found</extracomment>
        <translation>找不到这份通知草稿。</translation>
    </message>
    <message>
        <source>Please fill in the title and choose the audience.</source>
        <extracomment>notice.incomplete</extracomment>
        <translation>请填写标题并选择发送范围。</translation>
    </message>
    <message>
        <source>A phrase cannot be empty.</source>
        <extracomment>phrase.empty</extracomment>
        <translation>常用语不能为空。</translation>
    </message>
    <message>
        <source>A phrase cannot be longer than {limit} characters.</source>
        <extracomment>phrase.too_long</extracomment>
        <translation>常用语不能超过 {limit} 个字。</translation>
    </message>
    <message>
        <source>This document is not in your unit&apos;s exchange box (it may have been withdrawn).</source>
        <extracomment>delivery.not_found</extracomment>
        <translation>本单位的待签收文件中没有此件（可能已被撤回）。</translation>
    </message>
    <message>
        <source>This document has already been received or refused.</source>
        <extracomment>delivery.not_pending</extracomment>
        <translation>此件已签收或已拒收。</translation>
    </message>
    <message>
        <source>Only the unit&apos;s clerk can do this.</source>
        <extracomment>clerk.required</extracomment>
        <translation>只有本单位的文书（收发员）可以进行此项操作。</translation>
    </message>
    <message>
        <source>The document has already been routed; it cannot be routed again.</source>
        <extracomment>document.not_registered</extracomment>
        <translation>此件已经分办，不能再次分办。</translation>
    </message>
    <message>
        <source>Please choose at least one person to propose, instruct or handle it.</source>
        <extracomment>desk.route_empty</extracomment>
        <translation>请至少选择一位拟办、批示或承办人员。</translation>
    </message>
    <message>
        <source>Please give a reason.</source>
        <extracomment>desk.reason_required</extracomment>
        <translation>请填写原因。</translation>
    </message>
    <message>
        <source>Please fill in the title.</source>
        <extracomment>desk.title_required</extracomment>
        <translation>请填写标题。</translation>
    </message>
    <message>
        <source>Please fill in the issuing body.</source>
        <extracomment>desk.issuer_required</extracomment>
        <translation>请填写来文机关。</translation>
    </message>
    <message>
        <source>The field &quot;{field}&quot; is not valid.</source>
        <extracomment>desk.invalid_form</extracomment>
        <translation>“{field}”一项填写有误。</translation>
    </message>
    <message>
        <source>The scanned file is not a PDF.</source>
        <extracomment>desk.not_pdf</extracomment>
        <translation>所选扫描件不是 PDF 文件。</translation>
    </message>
    <message>
        <source>The file is larger than {limit_mb} MB.</source>
        <extracomment>desk.file_too_large</extracomment>
        <translation>文件大于 {limit_mb} MB。</translation>
    </message>
    <message>
        <source>Cannot read the file {path}: {reason}.</source>
        <extracomment>desk.file_unreadable</extracomment>
        <translation>无法读取文件 {path}：{reason}。</translation>
    </message>
    <message>
        <source>The document is already completed.</source>
        <extracomment>desk.already_completed</extracomment>
        <translation>此件已经办结。</translation>
    </message>
    <message>
        <source>The unit does not exist.</source>
        <extracomment>unit.not_found</extracomment>
        <translation>该单位不存在。</translation>
    </message>
    <message>
        <source>The unit already exists.</source>
        <extracomment>unit.exists</extracomment>
        <translation>该单位已存在。</translation>
    </message>
    <message>
        <source>The parent unit does not exist.</source>
        <extracomment>unit.unknown_parent</extracomment>
        <translation>上级单位不存在。</translation>
    </message>
    <message>
        <source>The user does not exist.</source>
        <extracomment>user.not_found</extracomment>
        <translation>该用户不存在。</translation>
    </message>
    <message>
        <source>The user already exists.</source>
        <extracomment>user.exists</extracomment>
        <translation>该用户已存在。</translation>
    </message>
    <message>
        <source>You cannot deactivate your own account.</source>
        <extracomment>user.self</extracomment>
        <translation>不能停用自己的账户。</translation>
    </message>
    <message>
        <source>The user is already inactive.</source>
        <extracomment>user.inactive</extracomment>
        <translation>该用户已经停用。</translation>
    </message>
    <message>
        <source>Unknown role.</source>
        <extracomment>user.unknown_role</extracomment>
        <translation>未知的角色。</translation>
    </message>
    <message>
        <source>The user&apos;s unit does not exist.</source>
        <extracomment>user.unknown_unit</extracomment>
        <translation>该用户所在单位不存在。</translation>
    </message>
    <message>
        <source>The user name is not valid.</source>
        <extracomment>user.invalid_username</extracomment>
        <translation>用户名无效。</translation>
    </message>
    <message>
        <source>The password is not valid.</source>
        <extracomment>user.invalid_password</extracomment>
        <translation>密码无效。</translation>
    </message>
    <message>
        <source>The password is too weak: use at least 8 characters with three of lower case, upper case, digits and symbols, and not a common password.</source>
        <extracomment>user.weak_password</extracomment>
        <translation>密码强度不足：至少 8 位，包含小写字母、大写字母、数字、符号中的三类，且不能是常用密码。</translation>
    </message>
    <message>
        <source>The user is already in that unit.</source>
        <extracomment>user.same_unit</extracomment>
        <translation>该用户已在此单位。</translation>
    </message>
    <message>
        <source>You have no signing key {key_id} (sync first).</source>
        <extracomment>key.not_found</extracomment>
        <translation>您的签名密钥中没有 {key_id}（请先同步）。</translation>
    </message>
    <message>
        <source>The signing key cannot be found.</source>
        <extracomment>key.not_found</extracomment>
        <translation>找不到该签名密钥。</translation>
    </message>
    <message>
        <source>The signing key {key_id} has already been revoked.</source>
        <extracomment>key.revoked</extracomment>
        <translation>签名密钥 {key_id} 已经吊销。</translation>
    </message>
    <message>
        <source>The signing key has already been revoked.</source>
        <extracomment>key.revoked</extracomment>
        <translation>签名密钥已经吊销。</translation>
    </message>
    <message>
        <source>Unknown signature algorithm.</source>
        <extracomment>key.unknown_algorithm</extracomment>
        <translation>未知的签名算法。</translation>
    </message>
    <message>
        <source>The public key is not valid.</source>
        <extracomment>key.invalid_public_key</extracomment>
        <translation>公钥无效。</translation>
    </message>
    <message>
        <source>The key id does not match the public key.</source>
        <extracomment>key.id_mismatch</extracomment>
        <translation>密钥编号与公钥不符。</translation>
    </message>
    <message>
        <source>The key id is already taken.</source>
        <extracomment>key.id_taken</extracomment>
        <translation>该密钥编号已被占用。</translation>
    </message>
    <message>
        <source>A signing key must be enrolled with your password and an enrolment code from the county information centre.</source>
        <extracomment>key.enrolment_required</extracomment>
        <translation>签名密钥须凭本人密码和县信息中心发放的签名启用码启用。</translation>
    </message>
    <message>
        <source>The signing key was not enrolled: the password or the enrolment code is wrong, already used or expired.</source>
        <extracomment>key.enrolment_refused</extracomment>
        <translation>签名密钥未能启用：密码或签名启用码不正确、已使用或已过期。</translation>
    </message>
    <message>
        <source>You have too many active signing keys. Revoke the key of a PC you no longer use first.</source>
        <extracomment>key.too_many</extracomment>
        <translation>您的有效签名密钥过多，请先吊销不再使用的计算机上的密钥。</translation>
    </message>
    <message>
        <source>This PC&apos;s signing key is not enrolled yet, so you cannot sign. Enter your password and the enrolment code from the county information centre (menu “Enrol signing key”, or `keys --enrol`).</source>
        <extracomment>key.not_enrolled</extracomment>
        <translation>本机签名密钥尚未启用，暂不能签批。请输入密码和县信息中心发放的签名启用码（菜单“工具 → 启用签名密钥”，或命令 keys --enrol）。</translation>
    </message>
    <message>
        <source>The public key is not valid: it is a weak (small-order) key.</source>
        <extracomment>key.small_order</extracomment>
        <translation>公钥无效：属于弱密钥（小阶点）。</translation>
    </message>
    <message>
        <source>“{name}” is a program ({type} file), not a document: GovDesk does not open it. Save it only if you expect it, and have it checked by the county information centre.</source>
        <extracomment>attachment.executable</extracomment>
        <translation>“{name}”是可执行程序（{type} 文件），不是公文附件，政务桌面不予打开。如确有需要，请另存后交县信息中心检查。</translation>
    </message>
    <message>
        <source>The platform has no such file, or you are not allowed to see it.</source>
        <extracomment>blob.not_found</extracomment>
        <translation>平台上没有这个文件，或您无权查看。</translation>
    </message>
    <message>
        <source>The file reference is not valid.</source>
        <extracomment>blob.invalid</extracomment>
        <translation>文件引用无效。</translation>
    </message>
    <message>
        <source>The requested part of the file does not exist.</source>
        <extracomment>blob.range_not_satisfiable</extracomment>
        <translation>请求的文件片段不存在。</translation>
    </message>
    <message>
        <source>The file does not match its checksum; it was discarded and will be downloaded again.</source>
        <extracomment>blob.hash_mismatch</extracomment>
        <translation>文件与其校验值不符，已丢弃，将重新下载。</translation>
    </message>
    <message>
        <source>Too many files sent in a short time; the attachments stay on this PC and are sent again in a moment.</source>
        <extracomment>blob.rate_limited</extracomment>
        <translation>短时间内发送的文件过多；附件仍保存在本机，稍后自动重新发送。</translation>
    </message>
    <message>
        <source>Your files sent today have reached the platform&apos;s daily upload limit; the attachments stay on this PC and are sent once the limit allows (ask the county information centre to raise it).</source>
        <extracomment>blob.quota_exceeded</extracomment>
        <translation>您今日发送的文件已达平台每日上传限额；附件仍保存在本机，待限额允许后自动发送（如需提高限额，请联系县信息中心）。</translation>
    </message>
    <message>
        <source>The file store is not available; cannot add attachments.</source>
        <extracomment>blob.unavailable</extracomment>
        <translation>文件存储不可用，无法添加附件。</translation>
    </message>
    <message>
        <source>Cannot write to the local file store. Check the disk and its permissions.</source>
        <extracomment>blob.write_failed</extracomment>
        <translation>无法写入本地文件存储，请检查磁盘和权限。</translation>
    </message>
    <message>
        <source>This file has not been downloaded to this PC yet; it will be fetched once online.</source>
        <extracomment>blob.missing</extracomment>
        <translation>该文件尚未下载到本机，联网后将自动获取。</translation>
    </message>
    <message>
        <source>The file saved on this PC was damaged and has been deleted; it will be fetched again once online.</source>
        <extracomment>blob.corrupt</extracomment>
        <translation>本地保存的文件已损坏，已删除，联网后将重新获取。</translation>
    </message>
    <message>
        <source>The file failed its check after several downloads; giving up. Try again later or contact the information centre.</source>
        <extracomment>blob.download_failed</extracomment>
        <translation>文件多次下载均未通过校验，已放弃。请稍后重试或联系信息中心。</translation>
    </message>
    <message>
        <source>The local file store is not open; cannot upload attachments.</source>
        <extracomment>blob.store_missing</extracomment>
        <translation>本地文件存储未打开，无法上传附件。</translation>
    </message>
    <message>
        <source>The disk is full. Free some disk space and try again; nothing you entered is lost.</source>
        <extracomment>storage.disk_full</extracomment>
        <translation>磁盘空间已满。请清理磁盘空间后重试，已输入的内容不会丢失。</translation>
    </message>
    <message>
        <source>Cannot open the local cache: the key does not match or the file is damaged. The file was not changed; sync again online to rebuild the cache, or contact the information centre.</source>
        <extracomment>cache.unreadable</extracomment>
        <translation>无法打开本地缓存：密钥不匹配或文件已损坏。文件未被改动；可在联网后重新同步以重建缓存，或联系信息中心。</translation>
    </message>
    <message>
        <source>Cannot write the local cache file. Check the disk and the file permissions.</source>
        <extracomment>cache.unavailable</extracomment>
        <translation>无法写入本地缓存文件，请检查磁盘和文件权限。</translation>
    </message>
    <message>
        <source>The structure of the local cache is not recognised and cannot be upgraded safely. The file was not changed; please contact the information centre.</source>
        <extracomment>cache.unknown_schema</extracomment>
        <translation>本地缓存的结构无法识别，不能安全升级。文件未被改动，请联系信息中心。</translation>
    </message>
    <message>
        <source>The local cache was made by a newer GovDesk. Please upgrade this program before opening it.</source>
        <extracomment>cache.too_new</extracomment>
        <translation>本地缓存由更新版本的 GovDesk 创建，请升级本程序后再打开。</translation>
    </message>
    <message>
        <source>The account file {path} is damaged or unreadable.</source>
        <extracomment>profile.unreadable</extracomment>
        <translation>账户资料文件 {path} 已损坏或无法读取。</translation>
    </message>
    <message>
        <source>Cannot save the account file ({reason}). Check the disk space and permissions.</source>
        <extracomment>profile.unwritable</extracomment>
        <translation>无法保存账户资料（{reason}），请检查磁盘空间和权限。</translation>
    </message>
    <message>
        <source>The account is closed.</source>
        <extracomment>profile.closed</extracomment>
        <translation>账户已关闭。</translation>
    </message>
    <message>
        <source>{count} operations have not reached the platform yet. Sync online first, or sign out by force to give them up.</source>
        <extracomment>logout.unsent_ops</extracomment>
        <translation>还有 {count} 项操作尚未同步到平台。请先联网同步，或确认放弃这些操作后强制注销。</translation>
    </message>
    <message>
        <source>Cannot write the diagnostic bundle {path}: {reason}.</source>
        <extracomment>diagnose.write_failed</extracomment>
        <translation>无法写入诊断包 {path}：{reason}。</translation>
    </message>
    <message>
        <source>Sync hit an internal error ({error}).</source>
        <extracomment>sync.internal_error</extracomment>
        <translation>同步出现内部错误（{error}）。</translation>
    </message>
    <message>
        <source>No system keyring is available: no key store service (such as GNOME Keyring, KWallet or Windows Credential Manager) was found. Start and unlock the system keyring, then try again; GovDesk never writes credentials to plain files.</source>
        <extracomment>keyring.unavailable</extracomment>
        <translation>系统密钥环不可用：未找到可用的密钥存储服务（如 GNOME 密钥环、KWallet 或 Windows 凭据管理器）。请启动并解锁系统密钥环后重试；GovDesk 不会把凭据写入普通文件。</translation>
    </message>
    <message>
        <source>The system keyring is locked. Unlock it (enter your login password), then try again.</source>
        <extracomment>keyring.locked</extracomment>
        <translation>系统密钥环已锁定，请先解锁密钥环（输入登录密码）后重试。</translation>
    </message>
    <message>
        <source>The system keyring failed: {reason}.</source>
        <extracomment>keyring.error</extracomment>
        <translation>访问系统密钥环时出错：{reason}。</translation>
    </message>
    <message>
        <source>A key stored in the system keyring is damaged.</source>
        <extracomment>keyring.corrupt</extracomment>
        <translation>系统密钥环中保存的密钥已损坏。</translation>
    </message>
    <message>
        <source>Your signing key is not on this PC. Sign in again online to make a new one.</source>
        <extracomment>keyring.no_signing_key</extracomment>
        <translation>本机没有您的签名密钥，请联网重新登录以生成新的签名密钥。</translation>
    </message>
    <message>
        <source>This outgoing document cannot be found.</source>
        <extracomment>outgoing.not_found</extracomment>
        <translation>找不到该发文。</translation>
    </message>
    <message>
        <source>Only the drafter or the unit&apos;s clerk may withdraw this document.</source>
        <extracomment>outgoing.not_drafter</extracomment>
        <translation>只有拟稿人或本单位文书可以撤销该发文。</translation>
    </message>
    <message>
        <source>The document has moved on to another step; this action no longer applies.</source>
        <extracomment>outgoing.wrong_status</extracomment>
        <translation>该公文已进入其他环节，此操作不再适用。</translation>
    </message>
    <message>
        <source>The document changed after you read it; read the current version and sign again.</source>
        <extracomment>outgoing.digest_mismatch</extracomment>
        <translation>您阅读后公文已有改动，请查看当前稿本后重新签署。</translation>
    </message>
    <message>
        <source>This step of the document cannot be found.</source>
        <extracomment>step.not_found</extracomment>
        <translation>找不到该公文的这一办理环节。</translation>
    </message>
    <message>
        <source>This step is assigned to someone else.</source>
        <extracomment>step.not_assignee</extracomment>
        <translation>该环节由他人办理。</translation>
    </message>
    <message>
        <source>This step has already been handled.</source>
        <extracomment>step.not_pending</extracomment>
        <translation>该环节已办理。</translation>
    </message>
    <message>
        <source>This step does not allow that decision.</source>
        <extracomment>step.decision_not_allowed</extracomment>
        <translation>该环节不允许此处理意见。</translation>
    </message>
    <message>
        <source>This step cannot change the document.</source>
        <extracomment>step.body_not_allowed</extracomment>
        <translation>该环节不能修改公文内容。</translation>
    </message>
    <message>
        <source>The body of the document is not valid.</source>
        <extracomment>body.invalid</extracomment>
        <translation>公文正文格式不正确。</translation>
    </message>
    <message>
        <source>The body of the document is empty.</source>
        <extracomment>body.empty</extracomment>
        <translation>公文正文为空。</translation>
    </message>
    <message>
        <source>The body of the document is too long.</source>
        <extracomment>body.too_long</extracomment>
        <translation>公文正文过长。</translation>
    </message>
    <message>
        <source>The unit has no such document number series.</source>
        <extracomment>series.unknown</extracomment>
        <translation>本单位没有该发文字号序列。</translation>
    </message>
    <message>
        <source>A series is a short prefix, without the brackets and without the closing character of a document number.</source>
        <extracomment>series.invalid</extracomment>
        <translation>发文字号序列应为“富政发”这样的机关代字，不含六角括号和“号”字。</translation>
    </message>
    <message>
        <source>The administrator has not registered the unit&apos;s seal yet.</source>
        <extracomment>seal.missing</extracomment>
        <translation>系统管理员尚未登记本单位印章。</translation>
    </message>
    <message>
        <source>The seal image must be a PNG file.</source>
        <extracomment>seal.not_png</extracomment>
        <translation>印章图片必须是 PNG 文件。</translation>
    </message>
    <message>
        <source>Only an exchange account may send this way.</source>
        <extracomment>exchange.not_allowed</extracomment>
        <translation>只有公文交换账户可以这样发送公文。</translation>
    </message>
    <message>
        <source>The document has already been completed.</source>
        <extracomment>document.completed</extracomment>
        <translation>该公文已办结。</translation>
    </message>
    <message>
        <source>An action on this document is already waiting to be sent.</source>
        <extracomment>outgoing.action_pending</extracomment>
        <translation>该公文已有一项操作待发送。</translation>
    </message>
    <message>
        <source>The draft cannot be found on this PC.</source>
        <extracomment>draft.not_found</extracomment>
        <translation>本机找不到该草稿。</translation>
    </message>
    <message>
        <source>This draft has already been submitted and cannot be changed.</source>
        <extracomment>draft.already_submitted</extracomment>
        <translation>该草稿已提交，不能再修改。</translation>
    </message>
    <message>
        <source>The draft is not valid.</source>
        <extracomment>draft.invalid</extracomment>
        <translation>草稿内容不正确。</translation>
    </message>
    <message>
        <source>Choose the kind of document.</source>
        <extracomment>draft.doc_type_unknown</extracomment>
        <translation>请选择文种。</translation>
    </message>
    <message>
        <source>Please enter the title.</source>
        <extracomment>draft.title_required</extracomment>
        <translation>请填写标题。</translation>
    </message>
    <message>
        <source>Please choose the main recipients.</source>
        <extracomment>draft.recipients_required</extracomment>
        <translation>请选择主送单位。</translation>
    </message>
    <message>
        <source>Please choose the leader who signs it for issue.</source>
        <extracomment>draft.signatory_required</extracomment>
        <translation>请选择签发领导。</translation>
    </message>
    <message>
        <source>At most {limit} leaders can countersign.</source>
        <extracomment>draft.too_many_countersigners</extracomment>
        <translation>会签领导最多 {limit} 人。</translation>
    </message>
    <message>
        <source>The notes are longer than {limit} characters.</source>
        <extracomment>draft.notes_too_long</extracomment>
        <translation>附注超过 {limit} 个字。</translation>
    </message>
    <message>
        <source>The platform address {url} uses http:// over the network: the password would travel unencrypted. Use https:// (plain http is allowed only for this PC, 127.0.0.1 or localhost).</source>
        <extracomment>config.insecure_http</extracomment>
        <translation>平台地址 {url} 通过网络使用 http://，密码将以明文传输。请改用 https://（仅本机 127.0.0.1 或 localhost 允许使用 http）。</translation>
    </message>
    <message>
        <source>The platform address is not valid: {url}</source>
        <extracomment>config.server_url</extracomment>
        <translation>平台地址无效：{url}</translation>
    </message>
    <message>
        <source>The platform address is missing: give it with {flag}.</source>
        <extracomment>config.server_url</extracomment>
        <translation>请用 {flag} 指定平台地址。</translation>
    </message>
    <message>
        <source>The platform address is missing or not valid.</source>
        <extracomment>config.server_url</extracomment>
        <translation>平台地址未填写或无效。</translation>
    </message>
    <message>
        <source>The proxy address {url} cannot be used: it must start with http:// or https:// (found: {scheme}).</source>
        <extracomment>config.proxy_scheme</extracomment>
        <translation>代理地址 {url} 无法使用：必须以 http:// 或 https:// 开头（当前为：{scheme}）。</translation>
    </message>
    <message>
        <source>Cannot read the certificate file {path}: {reason}</source>
        <extracomment>config.ca_file</extracomment>
        <translation>无法读取证书文件 {path}：{reason}</translation>
    </message>
    <message>
        <source>The value {value} of setting {key} is not valid (from {source}).</source>
        <extracomment>config.invalid_value</extracomment>
        <translation>配置项 {key} 的值 {value} 无效（来源：{source}）。</translation>
    </message>
    <message>
        <source>Cannot read the settings file {path}: {reason}</source>
        <extracomment>config.unreadable</extracomment>
        <translation>无法读取配置文件 {path}：{reason}</translation>
    </message>
    <message>
        <source>The settings file {path} has a format error: {reason}</source>
        <extracomment>config.malformed</extracomment>
        <translation>配置文件 {path} 格式错误：{reason}</translation>
    </message>
    <message>
        <source>The settings file {path} has unknown settings: {keys}</source>
        <extracomment>config.unknown_key</extracomment>
        <translation>配置文件 {path} 含有未知配置项：{keys}</translation>
    </message>
    <message>
        <source>Unknown setting: {keys}</source>
        <extracomment>config.unknown_key</extracomment>
        <translation>未知配置项：{keys}</translation>
    </message>
    <message>
        <source>The policy file {path} cannot lock these settings: {keys}</source>
        <extracomment>config.policy_key</extracomment>
        <translation>策略文件 {path} 不能锁定这些配置项：{keys}</translation>
    </message>
    <message>
        <source>The setting {key} is locked by the administrator&apos;s policy and cannot be changed.</source>
        <extracomment>config.locked</extracomment>
        <translation>配置项 {key} 已由管理员策略锁定，不能修改。</translation>
    </message>
    <message>
        <source>Give a document id, or an exported processing form with --file.</source>
        <extracomment>usage.document_id</extracomment>
        <translation>请给出公文编号，或用 --file 指定导出的处理单文件。</translation>
    </message>
    <message>
        <source>The platform reported an error this version does not know ({code}).</source>
        <extracomment>(unknown code)</extracomment>
        <translation>平台报告了本版本不认识的错误（{code}）。</translation>
    </message>
</context>
</TS>
