<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>App</name>
    <message>
        <location filename="../../client/ui/app.py" line="203"/>
        <source>Starting the demo county platform…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/app.py" line="213"/>
        <source>Signing in as %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/app.py" line="231"/>
        <source>Fetching your documents for the first time…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BodyEditor</name>
    <message>
        <location filename="../../client/ui/body_editor.py" line="93"/>
        <source>Text of the document</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CancelDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="131"/>
        <source>Cancel task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="132"/>
        <source>&amp;Reason for cancelling:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="133"/>
        <source>Cancel &amp;task</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ClerkPage</name>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="85"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="629"/>
        <source>Please handle this document as soon as possible.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="135"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="149"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="696"/>
        <source>Clerk desk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="217"/>
        <source>Urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="219"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="287"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="313"/>
        <source>Number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="220"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="288"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="314"/>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="224"/>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="225"/>
        <source>Delivered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="226"/>
        <source>Receive by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="228"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="292"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="320"/>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="235"/>
        <source>&amp;Receive (签收)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="237"/>
        <source>Re&amp;fuse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="271"/>
        <source>%1 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="273"/>
        <source>%1 d</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="274"/>
        <source>Overdue by %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="274"/>
        <source>%1 left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="277"/>
        <source>Received, waiting to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="278"/>
        <source>Refused, waiting to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="279"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="280"/>
        <source>Not accepted (see Problems)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="281"/>
        <location filename="../../client/ui/pages/clerk_page.py" line="347"/>
        <source>To receive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="282"/>
        <source>%1 (copy)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="286"/>
        <source>Reg. no.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="290"/>
        <source>Issuer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="291"/>
        <source>Received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="297"/>
        <source>Routed, waiting to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="298"/>
        <source>Registered, waiting to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="299"/>
        <source>Archived, waiting to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="304"/>
        <source>Register and &amp;route…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="306"/>
        <source>Register a &amp;paper document…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="315"/>
        <source>Step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="316"/>
        <source>Person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="317"/>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="319"/>
        <source>Reminders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="321"/>
        <source>Reminder waiting to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="322"/>
        <source>Cancelled, waiting to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="323"/>
        <source>Reassigned, waiting to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="327"/>
        <source>Send a re&amp;minder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="329"/>
        <source>&amp;Cancel task…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="330"/>
        <source>Reassi&amp;gn…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="331"/>
        <source>Mark &amp;completed (办结)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="339"/>
        <source>&amp;Archive (归档)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="348"/>
        <source>To register and route</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="349"/>
        <source>In progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="350"/>
        <source>Completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="351"/>
        <source>Archived</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="357"/>
        <source>%1 to receive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="358"/>
        <source>%1 to route</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="359"/>
        <source>%1 in progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="361"/>
        <source>%1 overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="448"/>
        <source>The platform did not accept it; see Problems.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="495"/>
        <source>Received “%1”; sending…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="497"/>
        <source>Received “%1”; it will be sent when the network is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="499"/>
        <source>The platform recorded the receipt of “%1”; it is ready to register.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="524"/>
        <source>Refused; sending…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="525"/>
        <source>Refused; it will be sent when the network is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="526"/>
        <source>The sender has been told of the refusal.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="600"/>
        <source>Registered and routed; sending…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="601"/>
        <source>Registered and routed; it will be sent when the network is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="603"/>
        <source>The platform has the registration; the route has started.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="618"/>
        <source>%1 — %2 of %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="624"/>
        <source>This document was due by %1. Please handle it as soon as possible.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="626"/>
        <source>This document is due by %1. Please handle it in time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="639"/>
        <source>Reminder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="648"/>
        <source>Cancellation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="663"/>
        <source>Reassignment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="669"/>
        <source>%1 queued; sending…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="670"/>
        <source>%1 queued; it will be sent when the network is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="671"/>
        <source>%1 delivered to the platform.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="677"/>
        <source>Mark “%1” as completed (办结)? Its open steps end.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="682"/>
        <source>Completion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="689"/>
        <source>Archive “%1” (归档)?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/clerk_page.py" line="693"/>
        <source>Archiving</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DeliveryPreviewDialog</name>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="34"/>
        <source>Delivered document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="41"/>
        <source>Document number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="42"/>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="43"/>
        <source>Urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="44"/>
        <source>Main recipients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="45"/>
        <source>Copy to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="46"/>
        <source>This unit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="66"/>
        <source>&amp;Receive (签收)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="68"/>
        <source>Re&amp;fuse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="69"/>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="95"/>
        <source>Normal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="98"/>
        <source>Main recipient</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="98"/>
        <source>Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="101"/>
        <source>delivered %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="103"/>
        <source>receive by %1 (overdue)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="104"/>
        <source>receive by %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/delivery_preview.py" line="109"/>
        <source>Already received or refused here; waiting to be sent.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DocumentPage</name>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="60"/>
        <source>← &amp;Back to list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="62"/>
        <source>Back to the list (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="133"/>
        <source>Opening…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="217"/>
        <source>Return this document to %1, who sent it to you? It goes back to the previous step with your reason.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="220"/>
        <source>Return this document to the previous step? It goes back with your reason.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="223"/>
        <source>Return the document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="239"/>
        <source>Signed. Sending it to the platform…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="240"/>
        <source>Signed. Offline: it will be sent to the platform when the network is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="242"/>
        <source>Sign-off delivered to the platform.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="243"/>
        <source>The platform did not accept the sign-off: see Problems.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="259"/>
        <source>Recall your sign-off (%1)? It has not been sent yet: it is taken back here, and the document returns to your to-do list with your opinion kept as a draft.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="263"/>
        <source>Recall your sign-off (%1)? The platform takes it back only while the next step has not started; your opinion then returns as a draft.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="267"/>
        <source>Recall the sign-off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="280"/>
        <source>Recalled. It had not been sent; the document is back in your to-do list with your text.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="285"/>
        <source>Recall request sent to the platform…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="286"/>
        <source>Recall request queued; it will be sent when the network is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="288"/>
        <source>Recalled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="289"/>
        <source>Cannot recall: the platform refused (see the document).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="314"/>
        <source>Everything circulated to you has been read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="317"/>
        <source>No more documents to do.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="368"/>
        <source>This attachment is not on this computer yet. It will be downloaded when the connection allows.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="383"/>
        <source>Save attachment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="392"/>
        <location filename="../../client/ui/pages/document_page.py" line="420"/>
        <source>Could not save: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="394"/>
        <location filename="../../client/ui/pages/document_page.py" line="422"/>
        <source>Saved %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="412"/>
        <source>Save as PDF</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DocumentView</name>
    <message>
        <location filename="../../client/ui/document_view.py" line="60"/>
        <source>Document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="94"/>
        <source>&amp;Print…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="95"/>
        <source>Print the processing form with all opinions (Ctrl+P)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="98"/>
        <source>Save as P&amp;DF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="99"/>
        <source>Save the processing form as a PDF file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="115"/>
        <source>Re&amp;call my sign-off…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="116"/>
        <source>Recall my sign-off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="135"/>
        <source>Document sections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="139"/>
        <source>Processing form</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="141"/>
        <source>Processing &amp;form</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="149"/>
        <location filename="../../client/ui/document_view.py" line="153"/>
        <source>Document body</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="159"/>
        <source>&amp;Body</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="164"/>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="164"/>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="164"/>
        <location filename="../../client/ui/document_view.py" line="183"/>
        <location filename="../../client/ui/document_view.py" line="199"/>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="166"/>
        <source>Attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="172"/>
        <source>&amp;Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="174"/>
        <source>Save &amp;as…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="180"/>
        <source>&amp;Attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="183"/>
        <source>Step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="183"/>
        <source>Person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="184"/>
        <source>Decision / opinion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="184"/>
        <location filename="../../client/ui/document_view.py" line="198"/>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="185"/>
        <source>Signature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="187"/>
        <source>Routing history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="193"/>
        <source>Routing &amp;history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="198"/>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="198"/>
        <source>To</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="199"/>
        <source>Note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="202"/>
        <source>Notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="205"/>
        <location filename="../../client/ui/document_view.py" line="466"/>
        <source>&amp;Notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="263"/>
        <source>Your sign-off has not been sent yet: recalling it puts the document back in your to-do list with your text kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="266"/>
        <source>A recall of your sign-off is waiting for the platform.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="267"/>
        <source>Recall request sent; waiting for the platform&apos;s answer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="269"/>
        <source>Recall request queued; it will be sent when the network is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="275"/>
        <source>Take back your sign-off while the next step has not started. The platform decides.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="285"/>
        <source>Cannot recall: the next step has already been handled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="313"/>
        <source>Choose a document from the list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="330"/>
        <source>Received %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="343"/>
        <source>Warning: this copy of the document does not match its digest from the platform. Do not sign it; sync again or contact the registry.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="381"/>
        <source>This document has no body text.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="385"/>
        <source>The body (%1) has not been downloaded yet. It will appear here once the connection allows.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="401"/>
        <source>The body PDF could not be opened (%1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="411"/>
        <source>On this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="411"/>
        <source>Not downloaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="417"/>
        <source>&amp;Attachments (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="442"/>
        <source>Recalled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="459"/>
        <source>Waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="460"/>
        <source>Not accepted (see Problems)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="465"/>
        <source>&amp;Notes (%1)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DraftEditor</name>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="120"/>
        <source>Draft</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="131"/>
        <source>Kind (文种):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="134"/>
        <source>关于……的通知</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="140"/>
        <source>&amp;Title:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="141"/>
        <location filename="../../client/ui/drafting_editor.py" line="145"/>
        <location filename="../../client/ui/drafting_editor.py" line="165"/>
        <source>Choose…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="144"/>
        <source>Main recipients:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="148"/>
        <source>Copy to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="150"/>
        <source>None</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="151"/>
        <source>Internal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="152"/>
        <source>Classification:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="154"/>
        <source>Normal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="154"/>
        <source>Urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="155"/>
        <source>Very urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="157"/>
        <source>Urgency:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="159"/>
        <source>Number series:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="161"/>
        <location filename="../../client/ui/drafting_editor.py" line="360"/>
        <source>Signs for issue:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="164"/>
        <source>Reviewer (核稿):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="168"/>
        <source>Countersign (会签):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="172"/>
        <source>Notes (附注):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="176"/>
        <source>Add file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="177"/>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="186"/>
        <source>Attachments (附件说明):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="197"/>
        <source>Level:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="202"/>
        <source>Paragraph (Ctrl+0)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="203"/>
        <source>一、 Heading 1 (Ctrl+1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="204"/>
        <source>（一） Heading 2 (Ctrl+2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="205"/>
        <source>1. Heading 3 (Ctrl+3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="206"/>
        <source>（1） Heading 4 (Ctrl+4)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="227"/>
        <source>Delete draft</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="230"/>
        <source>&amp;Submit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="269"/>
        <source>(choose)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="270"/>
        <location filename="../../client/ui/drafting_editor.py" line="342"/>
        <location filename="../../client/ui/drafting_editor.py" line="343"/>
        <location filename="../../client/ui/drafting_editor.py" line="346"/>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="329"/>
        <source>Draft (saved on this PC as you type)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="330"/>
        <source>Submitted: waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="331"/>
        <source>Submitted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="332"/>
        <location filename="../../client/ui/drafting_editor.py" line="333"/>
        <source>The platform refused it: reopen and change it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="359"/>
        <source>签发人 (printed):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="377"/>
        <source>Editing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="387"/>
        <source>Saved %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="398"/>
        <source>Main recipients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="398"/>
        <source>Copy to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="412"/>
        <source>Countersign (会签)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EnrolKeyDialog</name>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="32"/>
        <source>Enrol signing key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="36"/>
        <source>Before this PC can sign, its signing key must be enrolled. Enter your password again and the one-time enrolment code you received from the county information centre.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="44"/>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="46"/>
        <source>Enrolment code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="48"/>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="49"/>
        <source>Enrolment &amp;code:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="57"/>
        <source>&amp;Enrol</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/enrol_dialog.py" line="70"/>
        <source>Please enter your password and the enrolment code.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FiltersBar</name>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="49"/>
        <source>Search title, doc no., issuer (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="50"/>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="57"/>
        <location filename="../../client/ui/filters_bar.py" line="100"/>
        <source>Urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="59"/>
        <source>Any urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="62"/>
        <source>Extra urgent or urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="66"/>
        <source>Document type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="67"/>
        <source>Any type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="73"/>
        <location filename="../../client/ui/filters_bar.py" line="74"/>
        <source>Issuer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="86"/>
        <source>Received within</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="87"/>
        <source>Any time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="88"/>
        <source>Today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="89"/>
        <source>Last 7 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="90"/>
        <source>Last 30 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="93"/>
        <source>&amp;Unread only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="96"/>
        <source>S&amp;ort:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="98"/>
        <source>Sort order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="99"/>
        <source>Newest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="101"/>
        <source>Deadline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="102"/>
        <source>Doc no.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ForwardPicker</name>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="31"/>
        <source>Choose recipients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="38"/>
        <source>Search by name, unit or title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="39"/>
        <source>Search the directory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="42"/>
        <source>&amp;Search:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="47"/>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="47"/>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="48"/>
        <source>Directory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/forward_picker.py" line="103"/>
        <source>Chosen: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HandwritingPad</name>
    <message>
        <location filename="../../client/ui/handwriting_pad.py" line="39"/>
        <source>Handwriting pad</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/handwriting_pad.py" line="40"/>
        <source>Sign here with the mouse, a pen or your finger</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/handwriting_pad.py" line="125"/>
        <source>Sign here</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InboxModel</name>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="211"/>
        <source>Urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="211"/>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="211"/>
        <source>Doc No.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="211"/>
        <source>Issuer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="212"/>
        <source>Step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="212"/>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="213"/>
        <source>Received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="213"/>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="248"/>
        <source>Signed here, waiting to be sent to the platform</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="250"/>
        <source>The platform did not accept this; see Problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="252"/>
        <source>Past its deadline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="256"/>
        <source>unread</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="318"/>
        <source>, </source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InboxPage</name>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="63"/>
        <source>Document list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="153"/>
        <source>No documents match the search or filters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="155"/>
        <source>All done: nothing is waiting for you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="156"/>
        <source>You have not handled any documents yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="157"/>
        <source>No documents have been received yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="158"/>
        <source>Nothing is circulated to you to read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="170"/>
        <source>Clear the search and filters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="182"/>
        <source>%1 shown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="159"/>
        <source>Nothing here.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../client/ui/fmt.py" line="38"/>
        <source>Today %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="55"/>
        <source>Extra urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="56"/>
        <source>Urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="63"/>
        <source>Propose</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="64"/>
        <source>Instruct</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="65"/>
        <source>Handle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="66"/>
        <source>Read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="67"/>
        <source>Countersign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="73"/>
        <source>Approve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="74"/>
        <source>Return</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="75"/>
        <source>Forward</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="76"/>
        <source>Read and noted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="77"/>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="83"/>
        <source>Pending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="84"/>
        <location filename="../../client/ui/fmt.py" line="94"/>
        <source>Completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="85"/>
        <source>Returned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="86"/>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="92"/>
        <source>Registered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="93"/>
        <source>In progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="95"/>
        <source>Archived</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="101"/>
        <source>Signature valid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="102"/>
        <source>Signature INVALID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="103"/>
        <source>Signature not verifiable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="104"/>
        <source>Not yet sent</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LockOverlay</name>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="79"/>
        <source>Screen locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="87"/>
        <source>GovDesk is locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="91"/>
        <source>Signed in as %1. Enter your password to continue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="96"/>
        <location filename="../../client/ui/lock_overlay.py" line="97"/>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="100"/>
        <source>&amp;Unlock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="106"/>
        <source>Unlock message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="132"/>
        <source>Checking the password…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="147"/>
        <source>Wrong password, please try again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="63"/>
        <source>GovDesk — Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="72"/>
        <source>GovDesk county e-government desk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="76"/>
        <source>Documents, sign-off and notices — also without a network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="83"/>
        <source>Platform address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="87"/>
        <source>User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="90"/>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="91"/>
        <source>Platform &amp;address:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="92"/>
        <source>&amp;User name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="93"/>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="97"/>
        <source>Enrolment code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="98"/>
        <source>first sign-in on this PC: from the county IT</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="99"/>
        <source>Enrolment &amp;code:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="107"/>
        <location filename="../../client/ui/login_dialog.py" line="137"/>
        <source>&amp;Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="124"/>
        <source>Please fill in the platform address, user name and password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="128"/>
        <source>Signing in…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../client/ui/main_window.py" line="52"/>
        <source>GovDesk — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="190"/>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="191"/>
        <source>&amp;Print processing form…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="193"/>
        <source>Save processing form as &amp;PDF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="196"/>
        <source>&amp;Lock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="197"/>
        <source>E&amp;xit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="199"/>
        <source>&amp;Go</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="204"/>
        <source>&amp;Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="205"/>
        <source>Next document &amp;to do</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="206"/>
        <source>Back to &amp;list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="207"/>
        <source>&amp;Sync</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="208"/>
        <source>Sync &amp;now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="209"/>
        <source>&amp;Tools</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="210"/>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="211"/>
        <source>&amp;Enrol signing key…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="213"/>
        <source>&amp;New notice…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="264"/>
        <source>Quit GovDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/main_window.py" line="265"/>
        <source>%n operation(s) have not been sent to the platform yet.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="268"/>
        <source>Send them now, before quitting? If you quit anyway they are kept on this computer and sent the next time you work online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="272"/>
        <source>You are offline: they are kept on this computer and sent the next time you work online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="276"/>
        <source>&amp;Send first, then quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="278"/>
        <source>&amp;Quit anyway</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="278"/>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="290"/>
        <source>Sending your work to the platform; GovDesk closes when it is done…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="451"/>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="479"/>
        <source>Signing key enrolled: you can sign on this PC.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="489"/>
        <source>%1 on %2 (key %3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="492"/>
        <source>an unknown device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="494"/>
        <source>New signing key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="495"/>
        <source>A new signing key was enrolled for your account:
%1

If this was not you, revoke it at once (command line: keys --revoke) and call the county information centre.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NavList</name>
    <message>
        <location filename="../../client/ui/nav.py" line="35"/>
        <source>Navigation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="50"/>
        <source>To do</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="51"/>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="52"/>
        <source>All received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="53"/>
        <source>For reading</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="54"/>
        <source>Notices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="55"/>
        <source>Problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="56"/>
        <source>Outgoing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="57"/>
        <source>Clerk desk</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NoteDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="118"/>
        <source>Send a note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="119"/>
        <source>&amp;Note (edit it before sending if you like):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="121"/>
        <source>The note cannot be empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="122"/>
        <source>&amp;Remove the problem from the list once sent (your text travels in the note)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="126"/>
        <source>&amp;Send note</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NoticeComposeDialog</name>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="51"/>
        <source>New notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="57"/>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="58"/>
        <source>&amp;Title:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="60"/>
        <source>Text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="62"/>
        <source>Te&amp;xt:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="65"/>
        <source>Audience units</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="70"/>
        <source>&amp;Audience:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="72"/>
        <source>Ask for &amp;confirmation of receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="74"/>
        <source>&amp;Urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="80"/>
        <source>&amp;Expires on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="93"/>
        <source>Attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="95"/>
        <source>A&amp;dd file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="97"/>
        <source>Remo&amp;ve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="104"/>
        <source>Attachments:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="110"/>
        <source>&amp;Publish</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="152"/>
        <source>Add attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="165"/>
        <source>a title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="167"/>
        <source>the text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="169"/>
        <source>at least one audience unit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="171"/>
        <source>Still needed: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NoticeListModel</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="57"/>
        <source>[Urgent]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="59"/>
        <source>[Please confirm]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="61"/>
        <source>[Waiting to be sent]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="71"/>
        <source>unread</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NoticesPage</name>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="81"/>
        <source>Downloading the attachment…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="87"/>
        <source>This attachment is not on this computer yet. It will be downloaded when the connection allows.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="117"/>
        <source>Notice submitted: sending it to the platform…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="118"/>
        <source>Notice submitted. Offline: it will be published when the network is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="120"/>
        <source>Notice published on the platform.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="121"/>
        <source>The platform did not publish the notice: see Problems.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="130"/>
        <source>Receipts</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NoticesView</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="89"/>
        <source>Notices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="93"/>
        <source>&amp;New notice…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="94"/>
        <source>Publish a notice to units (Ctrl+N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="105"/>
        <source>Notice list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="122"/>
        <source>Notice text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="134"/>
        <source>&amp;Confirm receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="136"/>
        <source>Tell the publisher you have received this notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="138"/>
        <source>&amp;Receipts…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="139"/>
        <source>Who has read and confirmed this notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="179"/>
        <source>Choose a notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="189"/>
        <source>Published %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="192"/>
        <source>Valid until %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="194"/>
        <source>Urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="199"/>
        <source>Attachments: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="201"/>
        <source>Click a name to open the attachment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="205"/>
        <source>Submitted %1, waiting to be sent to the platform</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="212"/>
        <source>Receipt confirmed (waiting to be sent)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="213"/>
        <source>Receipt confirmed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="215"/>
        <source>The publisher asks you to confirm receipt</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OutgoingPage</name>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="127"/>
        <source>New draft</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="133"/>
        <source>Outgoing documents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="146"/>
        <source>Choose a document on the left, or start a new draft.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="198"/>
        <source>My drafts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="198"/>
        <source>To review</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="199"/>
        <source>To sign for issue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="199"/>
        <source>Issued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="200"/>
        <source>Clerk&apos;s to-do</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="203"/>
        <source>To number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="203"/>
        <source>To seal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="204"/>
        <source>To issue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="267"/>
        <source>Nothing here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="274"/>
        <source>(untitled)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="279"/>
        <source>Returned to you: revise it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="281"/>
        <source>Done here; waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="283"/>
        <source>Refused by the platform</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="285"/>
        <source>(waiting to be sent)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="354"/>
        <source>Submitted; sending it to the platform…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="355"/>
        <source>Submitted; it is sent when online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="356"/>
        <source>Submitted to the platform.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="375"/>
        <source>Attach files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="423"/>
        <source>%1 signed on this PC; sending it to the platform…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="425"/>
        <source>%1 signed on this PC; it is sent when online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="427"/>
        <source>%1 delivered to the platform.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="459"/>
        <source>Numbering</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="459"/>
        <source>Sealing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="460"/>
        <source>Issuing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="460"/>
        <source>Cancelling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="465"/>
        <source>%1 queued; sending it to the platform…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="466"/>
        <source>%1 queued; it is sent when online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="467"/>
        <source>%1 done on the platform.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="477"/>
        <source>The platform did not accept it; see Problems.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="496"/>
        <source>Downloading the issued document…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/outgoing_page.py" line="501"/>
        <source>The issued document is not on this computer yet: open it again when online.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OutgoingRecord</name>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="498"/>
        <source>Number (编号)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="499"/>
        <location filename="../../client/ui/outgoing_views.py" line="663"/>
        <source>Seal (用印)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="500"/>
        <location filename="../../client/ui/outgoing_views.py" line="659"/>
        <source>Issue (核发)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="501"/>
        <source>Cancel…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="503"/>
        <source>Open the issued document (PDF)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="523"/>
        <source>Receipts (回执)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="531"/>
        <source>Unit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="531"/>
        <source>As</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="531"/>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="531"/>
        <source>By</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="532"/>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="532"/>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="551"/>
        <source>numbering</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="551"/>
        <source>sealing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="552"/>
        <source>issuing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="552"/>
        <source>cancelling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="555"/>
        <source>(%1 waiting to be sent)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="578"/>
        <source>Next number: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="580"/>
        <source>No seal registered for the unit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="176"/>
        <source>Route</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="177"/>
        <source>waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="178"/>
        <source>returned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="179"/>
        <source>withdrawn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="186"/>
        <source>done here, waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="189"/>
        <source>version %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="220"/>
        <source>done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="223"/>
        <source>waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="490"/>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="491"/>
        <location filename="../../client/ui/outgoing_views.py" line="687"/>
        <source>Text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="598"/>
        <source>%1 units: %2 received, %3 refused, %4 not yet received (%5 overdue)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="604"/>
        <source>Receipts appear here once it is issued.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="608"/>
        <source>Not received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="608"/>
        <source>Received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="609"/>
        <source>Refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="610"/>
        <source>Main</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="610"/>
        <source>Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="615"/>
        <source>Overdue — not received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="654"/>
        <source>Issue %1 “%2” to %3 main recipient units and %4 copy units? Each unit gets it at once; this cannot be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="659"/>
        <source>Issue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="661"/>
        <source>Seal %1 “%2” with the unit&apos;s seal? This cannot be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="663"/>
        <source>Seal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="676"/>
        <source>Cancel the document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="677"/>
        <source>Reason (a number it holds is recorded as a gap, never reused):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="688"/>
        <source>Text (version %1, waiting to be sent)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="690"/>
        <source>Text (version %1)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Printing</name>
    <message>
        <location filename="../../client/ui/printing.py" line="71"/>
        <source>Page %1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProblemsPage</name>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="56"/>
        <source>The document no longer has a step for you. Your text is still kept here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="73"/>
        <source>Discard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="74"/>
        <source>Discard this action? The text you wrote will be deleted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="87"/>
        <source>Note to %1 about “%2”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="89"/>
        <source>Note to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="107"/>
        <source>Note to %1 queued; it is sent with the next sync.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="119"/>
        <source>Recall the sign-off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="120"/>
        <source>Recall your sign-off on %1? If it has not been sent yet it is taken back here and the document returns to your to-do list with your opinion kept as a draft.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="130"/>
        <source>Recalled. It had not been sent; the document is back in your to-do list with your text.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="134"/>
        <source>It was already being sent: a recall request was queued; the platform decides.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProblemsView</name>
    <message>
        <location filename="../../client/ui/problems_view.py" line="48"/>
        <source>Problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="51"/>
        <source>The platform did not accept these actions. Nothing you wrote is lost: the text is kept below. Redo the action on the document&apos;s current state, or discard it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="186"/>
        <source>No sync problems to handle. Every action has reached the platform.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="64"/>
        <source>No sync problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="67"/>
        <location filename="../../client/ui/problems_view.py" line="127"/>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="67"/>
        <location filename="../../client/ui/problems_view.py" line="128"/>
        <source>Document / notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="68"/>
        <location filename="../../client/ui/problems_view.py" line="129"/>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="68"/>
        <location filename="../../client/ui/problems_view.py" line="84"/>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="68"/>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="70"/>
        <source>Problem list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="86"/>
        <source>What you wrote (kept):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="89"/>
        <source>Kept text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="92"/>
        <source>&amp;Redo on current state…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="94"/>
        <source>Open the document with your text filled in, to sign again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="96"/>
        <source>D&amp;iscard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="99"/>
        <source>&amp;Copy text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="100"/>
        <source>Copy the action, the reason and what you wrote, to paste into a note or a message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="105"/>
        <source>&amp;Send to current holder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="106"/>
        <source>Send what you wrote as a note to the person who handles this step now; you can edit it first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="127"/>
        <source>Document number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="128"/>
        <source>Since</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="129"/>
        <source>Last error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="131"/>
        <source>Operations waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="137"/>
        <source>Re&amp;call this sign-off…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="138"/>
        <source>Take back a sign-off that is still waiting to be sent: the document returns to your to-do list with your text kept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="165"/>
        <source>Conflict</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="165"/>
        <source>Refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="166"/>
        <location filename="../../client/ui/problems_view.py" line="194"/>
        <source>Set aside</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/problems_view.py" line="183"/>
        <source>No sync problems to handle. %n operation(s) still waiting to be sent to the platform.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="193"/>
        <source>Waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="193"/>
        <source>Sent, no answer yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/problems_view.py" line="200"/>
        <source>Waiting to be sent (%n)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="238"/>
        <source>Sign-off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="238"/>
        <source>Recall sign-off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="239"/>
        <source>Confirm receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="240"/>
        <source>Publish notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="241"/>
        <source>Mark read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="242"/>
        <source>Register key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="244"/>
        <source>Receive (签收)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="245"/>
        <source>Refuse (拒收)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="246"/>
        <source>Register (登记)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="247"/>
        <source>Route (分办)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="248"/>
        <source>Reminder (催办)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="249"/>
        <source>Cancel task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="250"/>
        <source>Reassign task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="251"/>
        <source>Complete (办结)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="252"/>
        <source>Archive (归档)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="253"/>
        <source>Note (留言)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="281"/>
        <source>Decision: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="314"/>
        <source>proposal (拟办意见)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="315"/>
        <source>instruction (批示)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="316"/>
        <source>handling opinion (办理意见)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="317"/>
        <source>countersignature (会签意见)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="318"/>
        <source>read confirmation (阅知)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="334"/>
        <source>This step was reassigned by %1 at %2 and is with you again; your %4 was not recorded, redo it on the current step.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="337"/>
        <source>This step was reassigned to %3 by %1 at %2; your %4 was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="339"/>
        <source>This step was reassigned by %1 at %2; your %4 was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="340"/>
        <source>This step was cancelled by %1 at %2; your %4 was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="342"/>
        <source>%1 returned the document at %2, which withdrew this step; your %4 was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="344"/>
        <source>%1 recalled the sign-off that created this step at %2; your %4 was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="346"/>
        <source>%1 completed (办结) the document at %2; your %4 was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="348"/>
        <source>You already signed this step at %2 (perhaps on another PC); this %4 was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="351"/>
        <source>%1 already signed this step at %2; your %4 was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="352"/>
        <source>This notice was withdrawn by %1 at %2; your %4 was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="356"/>
        <source>This step was changed by %1 at %2; your %4 was not recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="360"/>
        <source> Reason given: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="362"/>
        <source> The step is with you again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="364"/>
        <source> The step is now with %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="373"/>
        <source> Your text was sent to %1 as a note.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="375"/>
        <source> What you wrote is kept below.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="378"/>
        <source>It has not reached the platform; it is kept here until you retry or discard it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="381"/>
        <source>Your %1 was not recorded on the platform; what you wrote is kept below.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProcessingForm</name>
    <message>
        <location filename="../../client/ui/processing_form.py" line="73"/>
        <source>Proposed handling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="75"/>
        <source>Leaders&apos; instructions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="76"/>
        <source>Handling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="77"/>
        <source>Circulated to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="134"/>
        <source>To:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="145"/>
        <source>[handwriting not downloaded]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="193"/>
        <source>Incoming Document Processing Form</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="176"/>
        <source>Reg. No.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="177"/>
        <source>Received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="174"/>
        <source>Issuer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="45"/>
        <source>Internal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="46"/>
        <source>Secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="47"/>
        <source>Confidential</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="48"/>
        <source>Top secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="129"/>
        <source>(recalled by the signer)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="155"/>
        <source>(platform received %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="175"/>
        <source>Doc No.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="178"/>
        <source>Classification</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="179"/>
        <source>Urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="180"/>
        <source>Doc type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="181"/>
        <source>Signatory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="185"/>
        <source>Issued on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="182"/>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="183"/>
        <source>Main recipients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="184"/>
        <source>Copied to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="186"/>
        <source>Waiting for:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="187"/>
        <source>Notes</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QAbstractFileIconProvider</name>
    <message>
        <location filename="../../client/ui/i18n.py" line="53"/>
        <source>Folder</source>
        <comment>All other platforms</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/i18n.py" line="54"/>
        <source>Folder</source>
        <comment>Match Windows Explorer</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/i18n.py" line="55"/>
        <source>File</source>
        <comment>All other platforms</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/i18n.py" line="56"/>
        <source>File</source>
        <comment>Match Windows Explorer</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/i18n.py" line="57"/>
        <source>%1 File</source>
        <comment>%1 is a file name suffix, for example txt</comment>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <location filename="../../client/ui/i18n.py" line="43"/>
        <source>&amp;Look in:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/i18n.py" line="44"/>
        <source>Files of &amp;type:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QFileSystemModel</name>
    <message>
        <location filename="../../client/ui/i18n.py" line="42"/>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReceiptsWidget</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="251"/>
        <source>Person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="251"/>
        <source>Read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="251"/>
        <source>Unit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="252"/>
        <source>Confirmed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="254"/>
        <source>Receipts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="267"/>
        <source>%1 of %2 confirmed, %3 read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="279"/>
        <location filename="../../client/ui/notices_view.py" line="296"/>
        <source>not yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="290"/>
        <source> (platform received %1)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RecipientDialog</name>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="49"/>
        <source>Filter units</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/drafting_editor.py" line="55"/>
        <source>%1 (%2 units)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RefuseDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="96"/>
        <source>Refuse document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="97"/>
        <source>Refuse “%1” and send it back to the sender?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="99"/>
        <source>&amp;Reason for refusing (the sender sees it):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="101"/>
        <source>&amp;Refuse</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RegistrationFormView</name>
    <message>
        <location filename="../../client/ui/registration_form.py" line="69"/>
        <source>Registration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="74"/>
        <location filename="../../client/ui/registration_form.py" line="281"/>
        <source>Register and route</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="77"/>
        <source>← &amp;Back to the desk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="93"/>
        <source>Registration (登记)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="105"/>
        <source>Normal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="105"/>
        <source>Urgent (加急)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="106"/>
        <source>Extra urgent (特急)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="121"/>
        <source>Issuing &amp;body:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="122"/>
        <source>&amp;Title:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="123"/>
        <source>Document &amp;number:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="124"/>
        <source>&amp;Kind:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="124"/>
        <source>&amp;Urgency:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="126"/>
        <source>&amp;Signed by:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="127"/>
        <source>Date of &amp;issue:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="129"/>
        <source>N&amp;otes:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="130"/>
        <source>Registration no.:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="134"/>
        <source>Choose scanned &amp;PDF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="138"/>
        <source>Body:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="141"/>
        <source>Routing (分办)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="149"/>
        <source>To the office head to &amp;propose (拟办)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="150"/>
        <source>Straight to &amp;leaders for instructions (批示)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="156"/>
        <source>Office head</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="159"/>
        <source>Leaders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="165"/>
        <source>Circulate to (传阅):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="167"/>
        <source>Filter by name or unit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="171"/>
        <source>Readers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="175"/>
        <source>&amp;Due by:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="191"/>
        <source>&amp;Register and route</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="270"/>
        <source>(given by the platform)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="276"/>
        <source>Register a paper document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="277"/>
        <source>A paper document scanned to PDF: type its details as printed, choose the scan, and route it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="279"/>
        <source>No file chosen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="283"/>
        <source>Received through the exchange %1. The details are taken from the document; correct the title, number, urgency or notes if needed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="287"/>
        <source>From the exchange (see the preview)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="313"/>
        <source>Choose the scanned document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="314"/>
        <source>PDF files (*.pdf)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="357"/>
        <source>Please fill in the title.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="360"/>
        <source>Please choose the scanned PDF of the document.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/registration_form.py" line="363"/>
        <source>Please choose the office head, or at least one leader.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RemindDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="108"/>
        <source>Send a reminder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="109"/>
        <source>&amp;Message to the person handling it:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="111"/>
        <source>Send &amp;reminder</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RerouteDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="141"/>
        <source>Reassign task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="142"/>
        <source>&amp;Reason for reassigning:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="146"/>
        <source>New person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="147"/>
        <source>(choose a person)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="155"/>
        <source>Reassign &amp;to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="160"/>
        <source>&amp;Reassign</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="48"/>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="52"/>
        <source>Text size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="59"/>
        <source>&amp;Text size:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="61"/>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="69"/>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="73"/>
        <location filename="../../client/ui/settings_dialog.py" line="121"/>
        <source>A new language applies when GovDesk starts again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="87"/>
        <source>After %1 minutes without use (set by your administrator)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="89"/>
        <source>Off (set by your administrator)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="91"/>
        <source>Auto-lock:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="94"/>
        <source>Auto-lock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="98"/>
        <source>After %1 minutes without use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="99"/>
        <source>Never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="101"/>
        <source>&amp;Auto-lock:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="117"/>
        <source>Restart GovDesk to use the new language. Your work is kept.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SignoffPanel</name>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="97"/>
        <source>Sign-off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="146"/>
        <source>&amp;Opinion:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="155"/>
        <source>Opinion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="149"/>
        <source>Save as phrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="150"/>
        <source>Keep the opinion text in your phrase book</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="165"/>
        <source>Common phrases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="166"/>
        <source>Double-click or press Enter to insert</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="181"/>
        <source>&amp;Recipients…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="182"/>
        <source>Choose who handles or receives it next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="193"/>
        <source>&amp;Circulate to…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="194"/>
        <source>Choose who reads this document for information (传阅)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="202"/>
        <source>C&amp;ountersign by…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="203"/>
        <source>Choose leaders of other units who sign alongside (会签)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="156"/>
        <source>Write your opinion, or pick a phrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="162"/>
        <source>&amp;Phrases:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="218"/>
        <location filename="../../client/ui/signoff_panel.py" line="304"/>
        <source>Handwritten signature (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="229"/>
        <source>Undo stroke</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="230"/>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="257"/>
        <source>Sign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="258"/>
        <source>Sign and stay on this document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="260"/>
        <source>Sign &amp;&amp; next  (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="263"/>
        <source>Sign and open the next document to do (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="264"/>
        <source>Sign and next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="306"/>
        <source>Handwritten signature (drawn)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="382"/>
        <source>Nothing to sign here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="387"/>
        <source>Your step: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="388"/>
        <source>Due %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="391"/>
        <source>&amp;Approve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="391"/>
        <source>Re&amp;turn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="392"/>
        <source>&amp;Forward</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="392"/>
        <source>Read and &amp;noted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="393"/>
        <source>&amp;Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="491"/>
        <location filename="../../client/ui/signoff_panel.py" line="496"/>
        <source>Nobody (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="508"/>
        <source>Choose at least one person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="510"/>
        <source>Nobody chosen (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="523"/>
        <source>Countersign by (会签)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="532"/>
        <source>Circulate to (传阅)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="563"/>
        <source>Choose a decision first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="567"/>
        <source>Choose who receives it before sending it on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="572"/>
        <source>Write the reason for returning it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StepPanel</name>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="266"/>
        <location filename="../../client/ui/outgoing_views.py" line="361"/>
        <source>Text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="267"/>
        <source>Changes from the last version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="268"/>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="271"/>
        <source>Edit the text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="276"/>
        <source>What was changed (修改说明)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="305"/>
        <source>&amp;Opinion:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="314"/>
        <source>Handwritten signature:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="319"/>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="348"/>
        <source>%1 — your step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="349"/>
        <source>%1 — done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="367"/>
        <source>Text %1 · digest %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="394"/>
        <source>Signed with this PC&apos;s key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="396"/>
        <source>Done here; waiting to be sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="399"/>
        <source>The text on this PC does not match its hash. Sync, then open it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="419"/>
        <source>Reason for returning it (required)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="440"/>
        <source>Please give a reason for returning it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message>
        <location filename="../../client/ui/status_bar.py" line="24"/>
        <source>Connection state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="26"/>
        <source>Last synchronisation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="28"/>
        <source>Operations waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="33"/>
        <source>Files not yet downloaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="39"/>
        <source>Sync problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="44"/>
        <source>Synchronising</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="48"/>
        <source>Synchronisation progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="50"/>
        <source>&amp;Sync now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="51"/>
        <source>Send your work and fetch new documents (F5)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="52"/>
        <source>Sync now</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/status_bar.py" line="74"/>
        <source>Sync incomplete: %n file(s) for your pending work not yet downloaded</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="76"/>
        <source>The link to the platform broke while files were downloading; the next sync continues</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="81"/>
        <source>Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="81"/>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="83"/>
        <source>Connected to the county platform</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="84"/>
        <source>Working offline: everything you sign is kept and sent later</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="91"/>
        <source>Not synchronised yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="93"/>
        <source>Last sync: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/status_bar.py" line="98"/>
        <source>%n operation(s) waiting to be sent</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="99"/>
        <source>Nothing waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/status_bar.py" line="103"/>
        <source>%n problem(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="133"/>
        <source>Sending %1 of %2 operations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="136"/>
        <source>Receiving changes: %1 pages, %2 items</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="139"/>
        <source>, %1 received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="143"/>
        <source>Checking documents and attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="144"/>
        <source>Downloading files %1/%2, %3 of %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="148"/>
        <source>, about %1 s left</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SystemOpen</name>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="25"/>
        <source>All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="29"/>
        <source>%1 files (*.%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="50"/>
        <source>No program to open this file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="51"/>
        <source>This computer has no program that opens “%1” (for a PDF: a PDF reader; ask the information centre to install one).

Save the file to another place instead?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="59"/>
        <source>Save as</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="67"/>
        <source>Could not save: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/system_open.py" line="70"/>
        <source>Saved %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <location filename="../../client/ui/tray.py" line="26"/>
        <source>GovDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="28"/>
        <source>Show GovDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="29"/>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="42"/>
        <source>Extra urgent document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="45"/>
        <source>Urgent notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="49"/>
        <source>Reminder from %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="50"/>
        <source>Reminder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="55"/>
        <source>Note from %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="55"/>
        <source>Note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="61"/>
        <source>Unlock GovDesk to read it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>_ReasonDialog</name>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="48"/>
        <source>Common reasons</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="54"/>
        <source>Common reasons (click one to use it):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/desk_dialogs.py" line="65"/>
        <source>A reason is required.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>_Text</name>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="52"/>
        <source>Draft</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="52"/>
        <source>Waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="53"/>
        <source>Submitted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="53"/>
        <location filename="../../client/ui/outgoing_views.py" line="54"/>
        <source>Refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="54"/>
        <source>In review (核稿)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="55"/>
        <source>Countersigning (会签)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="56"/>
        <source>Waiting for 签发</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="56"/>
        <source>Signed for issue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="57"/>
        <source>Numbered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="57"/>
        <source>Sealed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="58"/>
        <source>Issued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="58"/>
        <source>Returned for revision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="59"/>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="64"/>
        <source>Return</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="66"/>
        <source>Resubmit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="67"/>
        <source>Approve for issue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="67"/>
        <source>Approve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="68"/>
        <source>Agree</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="71"/>
        <source>hash verified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="71"/>
        <source>HASH DOES NOT MATCH</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="73"/>
        <source>Version %1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="80"/>
        <source>First version: nothing to compare.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="89"/>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="90"/>
        <source>Drafted by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="92"/>
        <source>Main recipients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="93"/>
        <source>Copy to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="94"/>
        <source>Signs for issue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="95"/>
        <source>Number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="97"/>
        <source>Date (成文日期)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="99"/>
        <source>Notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="103"/>
        <source>Attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="109"/>
        <source>Digest %1 verified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/outgoing_views.py" line="110"/>
        <source>Digest NOT verified: sync, then read it again</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>Wrong user name or password.</source>
        <extracomment>auth.invalid_credentials</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your sign-in has expired. Please sign in again.</source>
        <extracomment>auth.token_expired, auth.refresh_expired</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your sign-in is no longer valid. Please sign in again.</source>
        <extracomment>auth.invalid_token, auth.refresh_invalid, auth.unauthenticated</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sign-in of this device was revoked. Please sign in again.</source>
        <extracomment>auth.session_revoked</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sign-in credentials of this device were used twice, so the platform revoked them. Please sign in again; if it was not you, contact the information centre.</source>
        <extracomment>auth.refresh_reused</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please sign in first.</source>
        <extracomment>auth.required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many failed sign-ins. Please try again in {retry_after} seconds.</source>
        <extracomment>auth.throttled</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many failed sign-ins. Please try again later.</source>
        <extracomment>auth.throttled</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This account has been disabled. Please contact the administrator.</source>
        <extracomment>auth.user_inactive, auth.account_disabled</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are not allowed to do this.</source>
        <extracomment>auth.forbidden</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This account has never signed in online on this PC, so it cannot be opened offline. Sign in once while connected.</source>
        <extracomment>auth.offline_unavailable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account {username} has not signed in on this PC. Please sign in first.</source>
        <extracomment>auth.not_logged_in</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not signed in. Please sign in first.</source>
        <extracomment>auth.not_logged_in</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account behind this user name has changed on the platform. Please contact the administrator. Nothing on this PC was changed.</source>
        <extracomment>auth.user_changed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot reach the platform. Check the network or the platform address.</source>
        <extracomment>network.unreachable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot reach the platform at {url}. This account has not signed in on this PC yet, and the first sign-in needs the platform: check the platform address and the network.</source>
        <extracomment>network.first_login_unreachable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform did not answer in time. Check the network and try again.</source>
        <extracomment>network.timeout</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform is temporarily unavailable. Please try again later.</source>
        <extracomment>network.unavailable, server.unavailable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot reach the platform through the proxy server. Check the proxy settings.</source>
        <extracomment>network.proxy</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The proxy server {proxy} refused the connection: check the proxy&apos;s address and port, or ask IT whether the proxy is running.</source>
        <extracomment>network.proxy_refused</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The proxy server&apos;s name {host} cannot be found: check the proxy address in the settings or in HTTPS_PROXY.</source>
        <extracomment>network.proxy_unknown_host</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The proxy server {proxy} asks for a user name and password, or refused the ones given (HTTP 407): put them in the proxy address (http://user:password@host:port) or ask IT.</source>
        <extracomment>network.proxy_auth</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The proxy server {proxy} does not let this PC reach the platform (HTTP 403): ask IT to allow the platform&apos;s address on the proxy.</source>
        <extracomment>network.proxy_forbidden</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The proxy server {proxy} works, but could not reach the platform beyond it ({answer}): check the platform address, whether the platform is running, and ask IT whether the proxy may reach it.</source>
        <extracomment>network.proxy_upstream</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent; the platform&apos;s answer has not arrived yet. It will be confirmed automatically at the next sync.</source>
        <extracomment>network.answer_lost</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection to the platform broke. Please try again later.</source>
        <extracomment>network.interrupted</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform&apos;s security certificate is not trusted: check the platform address, or ask the administrator to set the county&apos;s root certificate (ca_file).</source>
        <extracomment>tls.untrusted</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform&apos;s certificate was issued for another name than the address used: connect with the name the certificate was issued for, or ask IT to issue one for this address.</source>
        <extracomment>tls.wrong_host</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform is temporarily unavailable (HTTP {status}). Please try again later.</source>
        <extracomment>server.unavailable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform had an internal error. Please try again later.</source>
        <extracomment>server.internal_error</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform refused the request (HTTP {status}).</source>
        <extracomment>http.error</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform sent data that does not follow the protocol. Nothing was changed locally.</source>
        <extracomment>protocol.malformed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform sent change data in a wrong format. This sync changed nothing and will be retried later.</source>
        <extracomment>protocol.bad_change</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform&apos;s protocol version {server} does not fit this client ({client}). Please upgrade the client or contact the administrator.</source>
        <extracomment>protocol.version</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform could not accept the request.</source>
        <extracomment>request.invalid</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The request was not valid JSON.</source>
        <extracomment>request.malformed_json</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The request is too large for the platform.</source>
        <extracomment>request.too_large</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform does not offer this function.</source>
        <extracomment>route.not_found, route.method_not_allowed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The local sync position has expired; a full sync is needed.</source>
        <extracomment>cursor.expired</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform was restored from a backup; this PC synchronises again from scratch and sends its recent operations again.</source>
        <extracomment>cursor.diverged</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform did not recognise the local sync position.</source>
        <extracomment>cursor.invalid</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform refused the operation&apos;s data.</source>
        <extracomment>op.invalid_data</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The operation&apos;s id was already used for another operation.</source>
        <extracomment>op.id_reused</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform does not know this kind of operation.</source>
        <extracomment>op.unknown_type</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This task is not on this PC or on the platform (it may have been withdrawn).</source>
        <extracomment>task.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This task is assigned to someone else; you cannot sign it.</source>
        <extracomment>task.not_assignee</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This task has already been handled.</source>
        <extracomment>task.not_pending</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The step was withdrawn or moved to someone else on the platform.</source>
        <extracomment>task.cancelled</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose which of this document&apos;s tasks to sign again.</source>
        <extracomment>task.choose</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This kind of task does not allow that decision or those recipients.</source>
        <extracomment>task.decision_not_allowed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please choose the people to send it to.</source>
        <extracomment>task.forward_required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You cannot forward a task to yourself; choose someone else.</source>
        <extracomment>task.forward_to_self</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is the last task of its step; it cannot be cancelled.</source>
        <extracomment>task.last_in_stage</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The task is already assigned to that person.</source>
        <extracomment>task.same_assignee</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write something to send.</source>
        <extracomment>note.empty</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send the note to someone else.</source>
        <extracomment>note.to_self</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That person does not handle this document, so the note cannot go to them.</source>
        <extracomment>note.recipient_not_allowed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The note is too long (at most {limit} characters).</source>
        <extracomment>note.too_long</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot recall: the next step has already been handled.</source>
        <extracomment>task.recall_too_late</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot recall: the document has been archived.</source>
        <extracomment>task.recall_document_closed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This sign-off has already been recalled.</source>
        <extracomment>task.recall_already</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot recall: the platform has no record of this sign-off.</source>
        <extracomment>task.recall_not_signed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only the person who signed may recall a sign-off.</source>
        <extracomment>task.recall_not_author</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have no sign-off on this document to recall.</source>
        <extracomment>task.recall_nothing</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please give a reason for returning it.</source>
        <extracomment>opinion.reason_required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The opinion is longer than {limit} characters.</source>
        <extracomment>opinion.too_long</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The time of the signature is not plausible (in the future, or before the task or the signing key existed). Check this PC&apos;s clock and sign again.</source>
        <extracomment>signature.time_out_of_range</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The signature does not verify.</source>
        <extracomment>signature.invalid</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The signing key is not registered to you on the platform.</source>
        <extracomment>signature.unknown_key</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The signing key has been revoked.</source>
        <extracomment>signature.key_revoked</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The signing key does not belong to the signed-in user.</source>
        <extracomment>signature.wrong_user</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The handwritten signature image has a wrong format.</source>
        <extracomment>handwriting.not_png</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A chosen person is not an active user.</source>
        <extracomment>routing.unknown_user</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A chosen person is not in the directory. Please choose again.</source>
        <extracomment>user.unknown</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sign-off record cannot be found.</source>
        <extracomment>op.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This sign-off has no conflict; there is nothing to redo.</source>
        <extracomment>op.not_in_conflict</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This operation cannot be retried.</source>
        <extracomment>op.not_retryable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} documents have the number {ref}; use a document id: {ids}.</source>
        <extracomment>document.ambiguous_number</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have no pending task on this document.</source>
        <extracomment>document.no_pending_task</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have several pending tasks on this document; use a task id: {ids}.</source>
        <extracomment>document.several_pending_tasks</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This document is not on this PC (it may have been withdrawn or not yet synced).</source>
        <extracomment>document.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The document&apos;s data on this PC is incomplete. Please sync, then sign.</source>
        <extracomment>document.incomplete</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The document changed on the platform after you read it.</source>
        <extracomment>document.digest_mismatch</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The document has been archived.</source>
        <extracomment>document.archived</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The document is not completed yet.</source>
        <extracomment>document.not_completed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Classified documents cannot be handled on this platform.</source>
        <extracomment>document.classified</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The document&apos;s data is not valid.</source>
        <extracomment>document.invalid</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The processing form file is not valid.</source>
        <extracomment>form.malformed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write the processing form file {path}: {reason}.</source>
        <extracomment>form.write_failed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read the processing form file {path}: {reason}.</source>
        <extracomment>form.unreadable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This notice is not on this PC (it may have been withdrawn).</source>
        <extracomment>notice.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The notice is not valid.</source>
        <extracomment>notice.invalid</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The notice has been withdrawn.</source>
        <extracomment>notice.withdrawn</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The notice has expired.</source>
        <extracomment>notice.expired</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The title is longer than {limit} characters.</source>
        <extracomment>notice.title_too_long</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This notice has already been sent for publishing and cannot be changed.</source>
        <extracomment>notice.already_queued</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The same notice is already waiting to be published: &quot;{title}&quot;.</source>
        <extracomment>notice.duplicate_pending</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The notice draft cannot be found.</source>
        <extracomment>notice.draft_not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please fill in the title and choose the audience.</source>
        <extracomment>notice.incomplete</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A phrase cannot be empty.</source>
        <extracomment>phrase.empty</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A phrase cannot be longer than {limit} characters.</source>
        <extracomment>phrase.too_long</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This document is not in your unit&apos;s exchange box (it may have been withdrawn).</source>
        <extracomment>delivery.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This document has already been received or refused.</source>
        <extracomment>delivery.not_pending</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only the unit&apos;s clerk can do this.</source>
        <extracomment>clerk.required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The document has already been routed; it cannot be routed again.</source>
        <extracomment>document.not_registered</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please choose at least one person to propose, instruct or handle it.</source>
        <extracomment>desk.route_empty</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please give a reason.</source>
        <extracomment>desk.reason_required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please fill in the title.</source>
        <extracomment>desk.title_required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please fill in the issuing body.</source>
        <extracomment>desk.issuer_required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The field &quot;{field}&quot; is not valid.</source>
        <extracomment>desk.invalid_form</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The scanned file is not a PDF.</source>
        <extracomment>desk.not_pdf</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file is larger than {limit_mb} MB.</source>
        <extracomment>desk.file_too_large</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read the file {path}: {reason}.</source>
        <extracomment>desk.file_unreadable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The document is already completed.</source>
        <extracomment>desk.already_completed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The unit does not exist.</source>
        <extracomment>unit.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The unit already exists.</source>
        <extracomment>unit.exists</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The parent unit does not exist.</source>
        <extracomment>unit.unknown_parent</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user does not exist.</source>
        <extracomment>user.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user already exists.</source>
        <extracomment>user.exists</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You cannot deactivate your own account.</source>
        <extracomment>user.self</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user is already inactive.</source>
        <extracomment>user.inactive</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown role.</source>
        <extracomment>user.unknown_role</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user&apos;s unit does not exist.</source>
        <extracomment>user.unknown_unit</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user name is not valid.</source>
        <extracomment>user.invalid_username</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The password is not valid.</source>
        <extracomment>user.invalid_password</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The password is too weak: use at least 8 characters with three of lower case, upper case, digits and symbols, and not a common password.</source>
        <extracomment>user.weak_password</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user is already in that unit.</source>
        <extracomment>user.same_unit</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have no signing key {key_id} (sync first).</source>
        <extracomment>key.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The signing key cannot be found.</source>
        <extracomment>key.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The signing key {key_id} has already been revoked.</source>
        <extracomment>key.revoked</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The signing key has already been revoked.</source>
        <extracomment>key.revoked</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown signature algorithm.</source>
        <extracomment>key.unknown_algorithm</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The public key is not valid.</source>
        <extracomment>key.invalid_public_key</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The key id does not match the public key.</source>
        <extracomment>key.id_mismatch</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The key id is already taken.</source>
        <extracomment>key.id_taken</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A signing key must be enrolled with your password and an enrolment code from the county information centre.</source>
        <extracomment>key.enrolment_required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The signing key was not enrolled: the password or the enrolment code is wrong, already used or expired.</source>
        <extracomment>key.enrolment_refused</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have too many active signing keys. Revoke the key of a PC you no longer use first.</source>
        <extracomment>key.too_many</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This PC&apos;s signing key is not enrolled yet, so you cannot sign. Enter your password and the enrolment code from the county information centre (menu “Enrol signing key”, or `keys --enrol`).</source>
        <extracomment>key.not_enrolled</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The public key is not valid: it is a weak (small-order) key.</source>
        <extracomment>key.small_order</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“{name}” is a program ({type} file), not a document: GovDesk does not open it. Save it only if you expect it, and have it checked by the county information centre.</source>
        <extracomment>attachment.executable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform has no such file, or you are not allowed to see it.</source>
        <extracomment>blob.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file reference is not valid.</source>
        <extracomment>blob.invalid</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The requested part of the file does not exist.</source>
        <extracomment>blob.range_not_satisfiable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file does not match its checksum; it was discarded and will be downloaded again.</source>
        <extracomment>blob.hash_mismatch</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many files sent in a short time; the attachments stay on this PC and are sent again in a moment.</source>
        <extracomment>blob.rate_limited</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your files sent today have reached the platform&apos;s daily upload limit; the attachments stay on this PC and are sent once the limit allows (ask the county information centre to raise it).</source>
        <extracomment>blob.quota_exceeded</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file store is not available; cannot add attachments.</source>
        <extracomment>blob.unavailable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write to the local file store. Check the disk and its permissions.</source>
        <extracomment>blob.write_failed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This file has not been downloaded to this PC yet; it will be fetched once online.</source>
        <extracomment>blob.missing</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file saved on this PC was damaged and has been deleted; it will be fetched again once online.</source>
        <extracomment>blob.corrupt</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file failed its check after several downloads; giving up. Try again later or contact the information centre.</source>
        <extracomment>blob.download_failed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The local file store is not open; cannot upload attachments.</source>
        <extracomment>blob.store_missing</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The disk is full. Free some disk space and try again; nothing you entered is lost.</source>
        <extracomment>storage.disk_full</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open the local cache: the key does not match or the file is damaged. The file was not changed; sync again online to rebuild the cache, or contact the information centre.</source>
        <extracomment>cache.unreadable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write the local cache file. Check the disk and the file permissions.</source>
        <extracomment>cache.unavailable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The structure of the local cache is not recognised and cannot be upgraded safely. The file was not changed; please contact the information centre.</source>
        <extracomment>cache.unknown_schema</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The local cache was made by a newer GovDesk. Please upgrade this program before opening it.</source>
        <extracomment>cache.too_new</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account file {path} is damaged or unreadable.</source>
        <extracomment>profile.unreadable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot save the account file ({reason}). Check the disk space and permissions.</source>
        <extracomment>profile.unwritable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account is closed.</source>
        <extracomment>profile.closed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} operations have not reached the platform yet. Sync online first, or sign out by force to give them up.</source>
        <extracomment>logout.unsent_ops</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write the diagnostic bundle {path}: {reason}.</source>
        <extracomment>diagnose.write_failed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sync hit an internal error ({error}).</source>
        <extracomment>sync.internal_error</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No system keyring is available: no key store service (such as GNOME Keyring, KWallet or Windows Credential Manager) was found. Start and unlock the system keyring, then try again; GovDesk never writes credentials to plain files.</source>
        <extracomment>keyring.unavailable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The system keyring is locked. Unlock it (enter your login password), then try again.</source>
        <extracomment>keyring.locked</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The system keyring failed: {reason}.</source>
        <extracomment>keyring.error</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A key stored in the system keyring is damaged.</source>
        <extracomment>keyring.corrupt</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your signing key is not on this PC. Sign in again online to make a new one.</source>
        <extracomment>keyring.no_signing_key</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This outgoing document cannot be found.</source>
        <extracomment>outgoing.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only the drafter or the unit&apos;s clerk may withdraw this document.</source>
        <extracomment>outgoing.not_drafter</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The document has moved on to another step; this action no longer applies.</source>
        <extracomment>outgoing.wrong_status</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The document changed after you read it; read the current version and sign again.</source>
        <extracomment>outgoing.digest_mismatch</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This step of the document cannot be found.</source>
        <extracomment>step.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This step is assigned to someone else.</source>
        <extracomment>step.not_assignee</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This step has already been handled.</source>
        <extracomment>step.not_pending</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This step does not allow that decision.</source>
        <extracomment>step.decision_not_allowed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This step cannot change the document.</source>
        <extracomment>step.body_not_allowed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The body of the document is not valid.</source>
        <extracomment>body.invalid</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The body of the document is empty.</source>
        <extracomment>body.empty</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The body of the document is too long.</source>
        <extracomment>body.too_long</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The unit has no such document number series.</source>
        <extracomment>series.unknown</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A series is a short prefix, without the brackets and without the closing character of a document number.</source>
        <extracomment>series.invalid</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The administrator has not registered the unit&apos;s seal yet.</source>
        <extracomment>seal.missing</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The seal image must be a PNG file.</source>
        <extracomment>seal.not_png</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only an exchange account may send this way.</source>
        <extracomment>exchange.not_allowed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The document has already been completed.</source>
        <extracomment>document.completed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An action on this document is already waiting to be sent.</source>
        <extracomment>outgoing.action_pending</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The draft cannot be found on this PC.</source>
        <extracomment>draft.not_found</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This draft has already been submitted and cannot be changed.</source>
        <extracomment>draft.already_submitted</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The draft is not valid.</source>
        <extracomment>draft.invalid</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the kind of document.</source>
        <extracomment>draft.doc_type_unknown</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please enter the title.</source>
        <extracomment>draft.title_required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please choose the main recipients.</source>
        <extracomment>draft.recipients_required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please choose the leader who signs it for issue.</source>
        <extracomment>draft.signatory_required</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>At most {limit} leaders can countersign.</source>
        <extracomment>draft.too_many_countersigners</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The notes are longer than {limit} characters.</source>
        <extracomment>draft.notes_too_long</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform address {url} uses http:// over the network: the password would travel unencrypted. Use https:// (plain http is allowed only for this PC, 127.0.0.1 or localhost).</source>
        <extracomment>config.insecure_http</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform address is not valid: {url}</source>
        <extracomment>config.server_url</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform address is missing: give it with {flag}.</source>
        <extracomment>config.server_url</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform address is missing or not valid.</source>
        <extracomment>config.server_url</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The proxy address {url} cannot be used: it must start with http:// or https:// (found: {scheme}).</source>
        <extracomment>config.proxy_scheme</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read the certificate file {path}: {reason}</source>
        <extracomment>config.ca_file</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The value {value} of setting {key} is not valid (from {source}).</source>
        <extracomment>config.invalid_value</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read the settings file {path}: {reason}</source>
        <extracomment>config.unreadable</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The settings file {path} has a format error: {reason}</source>
        <extracomment>config.malformed</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The settings file {path} has unknown settings: {keys}</source>
        <extracomment>config.unknown_key</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown setting: {keys}</source>
        <extracomment>config.unknown_key</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The policy file {path} cannot lock these settings: {keys}</source>
        <extracomment>config.policy_key</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The setting {key} is locked by the administrator&apos;s policy and cannot be changed.</source>
        <extracomment>config.locked</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give a document id, or an exported processing form with --file.</source>
        <extracomment>usage.document_id</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The platform reported an error this version does not know ({code}).</source>
        <extracomment>(unknown code)</extracomment>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
