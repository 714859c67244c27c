<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>App</name>
    <message>
        <location filename="../../client/ui/app.py" line="151"/>
        <source>Starting the demo county platform…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/app.py" line="161"/>
        <source>Signing in as %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/app.py" line="169"/>
        <source>Fetching your documents for the first time…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DocumentPage</name>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="54"/>
        <source>← &amp;Back to list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="55"/>
        <source>Back to the list (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="113"/>
        <source>Opening…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="183"/>
        <source>Signed. It will be sent to the platform when online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="202"/>
        <source>No more documents to do.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="253"/>
        <source>This attachment is not on this computer yet. It will be downloaded when the connection allows.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="270"/>
        <source>Save attachment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="279"/>
        <location filename="../../client/ui/pages/document_page.py" line="307"/>
        <source>Could not save: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="281"/>
        <location filename="../../client/ui/pages/document_page.py" line="309"/>
        <source>Saved %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/document_page.py" line="299"/>
        <source>Save as PDF</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DocumentView</name>
    <message>
        <location filename="../../client/ui/document_view.py" line="41"/>
        <source>Document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="58"/>
        <source>&amp;Print…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="59"/>
        <source>Print the processing form with all opinions (Ctrl+P)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="62"/>
        <source>Save as P&amp;DF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="63"/>
        <source>Save the processing form as a PDF file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="79"/>
        <source>Document sections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="83"/>
        <source>Processing form</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="85"/>
        <source>Processing &amp;form</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="93"/>
        <location filename="../../client/ui/document_view.py" line="97"/>
        <source>Document body</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="103"/>
        <source>&amp;Body</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="108"/>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="108"/>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="108"/>
        <location filename="../../client/ui/document_view.py" line="127"/>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="110"/>
        <source>Attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="116"/>
        <source>&amp;Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="118"/>
        <source>Save &amp;as…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="124"/>
        <source>&amp;Attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="127"/>
        <source>Step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="127"/>
        <source>Person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="128"/>
        <source>Decision / opinion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="128"/>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="129"/>
        <source>Signature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="131"/>
        <source>Routing history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="137"/>
        <source>Routing &amp;history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="170"/>
        <source>Choose a document from the list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="183"/>
        <source>Received %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="196"/>
        <source>Warning: this copy of the document does not match its digest from the platform. Do not sign it; sync again or contact the registry.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="233"/>
        <source>This document has no body text.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="237"/>
        <source>The body (%1) has not been downloaded yet. It will appear here once the connection allows.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="253"/>
        <source>The body PDF could not be opened (%1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="263"/>
        <source>On this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="263"/>
        <source>Not downloaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/document_view.py" line="269"/>
        <source>&amp;Attachments (%1)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FiltersBar</name>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="48"/>
        <source>Search title, doc no., issuer (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="49"/>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="56"/>
        <location filename="../../client/ui/filters_bar.py" line="93"/>
        <source>Urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="58"/>
        <source>Any urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="61"/>
        <source>Extra urgent or urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="65"/>
        <source>Document type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="66"/>
        <source>Any type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="72"/>
        <location filename="../../client/ui/filters_bar.py" line="73"/>
        <source>Issuer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="79"/>
        <source>Received within</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="80"/>
        <source>Any time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="81"/>
        <source>Today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="82"/>
        <source>Last 7 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="83"/>
        <source>Last 30 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="86"/>
        <source>&amp;Unread only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="89"/>
        <source>S&amp;ort:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="91"/>
        <source>Sort order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="92"/>
        <source>Newest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="94"/>
        <source>Deadline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/filters_bar.py" line="95"/>
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
        <location filename="../../client/ui/inbox_model.py" line="209"/>
        <source>Urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="209"/>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="209"/>
        <source>Doc No.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="209"/>
        <source>Issuer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="210"/>
        <source>Step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="210"/>
        <source>Received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="210"/>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="245"/>
        <source>Signed here, waiting to be sent to the platform</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="247"/>
        <source>The platform did not accept this; see Problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="249"/>
        <source>Past its deadline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/inbox_model.py" line="253"/>
        <source>unread</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InboxPage</name>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="46"/>
        <source>Document list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="79"/>
        <source>%1 shown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/inbox_page.py" line="82"/>
        <source>Nothing here.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../client/ui/fmt.py" line="70"/>
        <source>Today %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="87"/>
        <source>Extra urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="88"/>
        <source>Urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="95"/>
        <source>Propose</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="96"/>
        <source>Instruct</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="97"/>
        <source>Handle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="98"/>
        <source>Read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="99"/>
        <source>Countersign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="105"/>
        <source>Approve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="106"/>
        <source>Return</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="107"/>
        <source>Forward</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="108"/>
        <source>Read and noted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="109"/>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="115"/>
        <source>Pending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="116"/>
        <location filename="../../client/ui/fmt.py" line="126"/>
        <source>Completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="117"/>
        <source>Returned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="118"/>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="124"/>
        <source>Registered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="125"/>
        <source>In progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="127"/>
        <source>Archived</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="133"/>
        <source>Signature valid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="134"/>
        <source>Signature INVALID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="135"/>
        <source>Signature not verifiable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/fmt.py" line="136"/>
        <source>Not yet sent</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LockOverlay</name>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="76"/>
        <source>Screen locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="83"/>
        <source>GovDesk is locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="87"/>
        <source>Signed in as %1. Enter your password to continue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="92"/>
        <location filename="../../client/ui/lock_overlay.py" line="93"/>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="96"/>
        <source>&amp;Unlock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="102"/>
        <source>Unlock message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/lock_overlay.py" line="126"/>
        <source>Wrong password, please try again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="42"/>
        <source>GovDesk — Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="51"/>
        <source>GovDesk county e-government desk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="55"/>
        <source>Documents, sign-off and notices — also without a network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="62"/>
        <source>Platform address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="66"/>
        <source>User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="69"/>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="70"/>
        <source>Platform &amp;address:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="71"/>
        <source>&amp;User name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="72"/>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="80"/>
        <location filename="../../client/ui/login_dialog.py" line="108"/>
        <source>&amp;Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="95"/>
        <source>Please fill in the platform address, user name and password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/login_dialog.py" line="99"/>
        <source>Signing in…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../client/ui/main_window.py" line="41"/>
        <source>GovDesk — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="151"/>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="152"/>
        <source>&amp;Print processing form…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="153"/>
        <source>Save processing form as &amp;PDF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="156"/>
        <source>&amp;Lock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="157"/>
        <source>E&amp;xit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="158"/>
        <source>&amp;Go</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="164"/>
        <source>&amp;Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="165"/>
        <source>Next document &amp;to do</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="166"/>
        <source>Back to &amp;list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="167"/>
        <source>&amp;Sync</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="168"/>
        <source>Sync &amp;now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="169"/>
        <source>&amp;Tools</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="170"/>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="172"/>
        <source>&amp;New notice…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/main_window.py" line="328"/>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NavList</name>
    <message>
        <location filename="../../client/ui/nav.py" line="24"/>
        <source>Navigation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="38"/>
        <source>To do</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="39"/>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="40"/>
        <source>All received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="41"/>
        <source>For reading</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="42"/>
        <source>Notices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/nav.py" line="43"/>
        <source>Problems</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NoticeComposeDialog</name>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="47"/>
        <source>New notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="52"/>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="53"/>
        <source>&amp;Title:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="55"/>
        <source>Text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="57"/>
        <source>Te&amp;xt:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="60"/>
        <source>Audience units</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="65"/>
        <source>&amp;Audience:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="67"/>
        <source>Ask for &amp;confirmation of receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="69"/>
        <source>&amp;Urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="75"/>
        <source>&amp;Expires on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="88"/>
        <source>Attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="90"/>
        <source>A&amp;dd file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="92"/>
        <source>Remo&amp;ve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="99"/>
        <source>Attachments:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="105"/>
        <source>&amp;Publish</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="147"/>
        <source>Add attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="160"/>
        <source>a title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="162"/>
        <source>the text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="164"/>
        <source>at least one audience unit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notice_compose.py" line="166"/>
        <source>Still needed: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NoticeListModel</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="51"/>
        <source>[Urgent]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="53"/>
        <source>[Please confirm]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="63"/>
        <source>unread</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NoticesPage</name>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="86"/>
        <source>Notice queued for publication.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/notices_page.py" line="97"/>
        <source>Receipts</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NoticesView</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="80"/>
        <source>Notices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="84"/>
        <source>&amp;New notice…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="85"/>
        <source>Publish a notice to units (Ctrl+N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="96"/>
        <source>Notice list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="113"/>
        <source>Notice text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="119"/>
        <source>&amp;Confirm receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="121"/>
        <source>Tell the publisher you have received this notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="123"/>
        <source>&amp;Receipts…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="124"/>
        <source>Who has read and confirmed this notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="164"/>
        <source>Choose a notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="174"/>
        <source>Published %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="177"/>
        <source>Valid until %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="179"/>
        <source>Urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="183"/>
        <source>Attachments: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="189"/>
        <source>Receipt confirmed (waiting to be sent)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="190"/>
        <source>Receipt confirmed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="192"/>
        <source>The publisher asks you to confirm receipt</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProblemsPage</name>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="43"/>
        <source>The document no longer has a step for you. Your text is still kept here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="60"/>
        <source>Discard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/pages/problems_page.py" line="61"/>
        <source>Discard this action? The text you wrote will be deleted.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProblemsView</name>
    <message>
        <location filename="../../client/ui/problems_view.py" line="35"/>
        <source>Problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="38"/>
        <source>The platform did not accept these actions. Nothing you wrote is lost: the text is kept below. Redo the action on the document&apos;s current state, or discard it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="47"/>
        <source>No sync problems to handle. Every action has reached the platform.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="52"/>
        <source>No sync problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="55"/>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="55"/>
        <source>Document / notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="56"/>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="56"/>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="56"/>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="58"/>
        <source>Problem list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="68"/>
        <source>What you wrote (kept):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="71"/>
        <source>Kept text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="74"/>
        <source>&amp;Redo on current state…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="76"/>
        <source>Open the document with your text filled in, to sign again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="78"/>
        <source>D&amp;iscard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="101"/>
        <source>Conflict</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="101"/>
        <source>Refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="102"/>
        <source>Set aside</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="124"/>
        <source>The step was withdrawn or moved to someone else on the platform</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="126"/>
        <source>The step was already completed on the platform</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="127"/>
        <source>The step no longer exists on the platform</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="128"/>
        <source>The document has been archived</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="129"/>
        <source>You are no longer allowed to do this</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="133"/>
        <source>Sign-off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="133"/>
        <source>Confirm receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="134"/>
        <source>Publish notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="135"/>
        <source>Mark read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="136"/>
        <source>Register key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/problems_view.py" line="153"/>
        <source>Decision: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProcessingForm</name>
    <message>
        <location filename="../../client/ui/processing_form.py" line="44"/>
        <source>Proposed handling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="46"/>
        <source>Leaders&apos; instructions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="47"/>
        <source>Handling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="48"/>
        <source>Circulated to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="62"/>
        <source>To:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="73"/>
        <source>[handwriting not downloaded]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="91"/>
        <source>Incoming Document Processing Form</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="109"/>
        <source>Reg. No.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="110"/>
        <source>Received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="111"/>
        <source>Issuer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="112"/>
        <source>Doc No.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="113"/>
        <source>Urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="114"/>
        <source>Doc type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="115"/>
        <source>Signatory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="116"/>
        <source>Issued on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="117"/>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="118"/>
        <source>Main recipients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="121"/>
        <source>Copied to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="128"/>
        <source>Waiting for:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/processing_form.py" line="132"/>
        <source>Notes</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReceiptsWidget</name>
    <message>
        <location filename="../../client/ui/notices_view.py" line="217"/>
        <source>Person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="217"/>
        <source>Read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="217"/>
        <source>Confirmed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="219"/>
        <source>Receipts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="227"/>
        <source>%1 of %2 confirmed, %3 read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/notices_view.py" line="238"/>
        <location filename="../../client/ui/notices_view.py" line="245"/>
        <source>not yet</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="39"/>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="43"/>
        <source>Text size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="50"/>
        <source>&amp;Text size:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="52"/>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="60"/>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="61"/>
        <location filename="../../client/ui/settings_dialog.py" line="89"/>
        <source>A new language applies when GovDesk starts again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="68"/>
        <source>After %1 minutes without use (set by your administrator)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="69"/>
        <source>Off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="70"/>
        <source>Auto-lock:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/settings_dialog.py" line="85"/>
        <source>Restart GovDesk to use the new language. Your work is kept.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SignoffPanel</name>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="62"/>
        <source>Sign-off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="89"/>
        <source>&amp;Opinion:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="92"/>
        <source>Opinion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="93"/>
        <source>Write your opinion, or pick a phrase below</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="101"/>
        <source>Common &amp;phrases:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="104"/>
        <source>Save as phrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="105"/>
        <source>Keep the opinion text in your phrase book</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="110"/>
        <source>Common phrases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="111"/>
        <source>Double-click or press Enter to insert</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="118"/>
        <source>&amp;Recipients…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="119"/>
        <source>Choose who handles or receives it next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="133"/>
        <source>&amp;Circulate to…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="134"/>
        <source>Choose who reads this document for information (传阅)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="146"/>
        <source>Handwritten signature (optional):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="148"/>
        <source>Undo stroke</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="149"/>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="171"/>
        <source>Sign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="172"/>
        <source>Sign and stay on this document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="174"/>
        <source>Sign &amp;&amp; next  (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="177"/>
        <source>Sign and open the next document to do (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="178"/>
        <source>Sign and next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="228"/>
        <source>Nothing to sign here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="233"/>
        <source>Your step: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="234"/>
        <source>Due %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="237"/>
        <source>&amp;Approve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="237"/>
        <source>Re&amp;turn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="238"/>
        <source>&amp;Forward</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="238"/>
        <source>Read and &amp;noted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="239"/>
        <source>&amp;Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="317"/>
        <source>Nobody (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="329"/>
        <source>Choose at least one person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="331"/>
        <source>Nobody chosen (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="344"/>
        <source>Circulate to (传阅)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="375"/>
        <source>Choose a decision first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="379"/>
        <source>Choose who receives it before sending it on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/signoff_panel.py" line="384"/>
        <source>Write the reason for returning it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message>
        <location filename="../../client/ui/status_bar.py" line="22"/>
        <source>Connection state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="24"/>
        <source>Last synchronisation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="26"/>
        <source>Operations waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="31"/>
        <source>Sync problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="36"/>
        <source>Synchronising</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="38"/>
        <source>&amp;Sync now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="39"/>
        <source>Send your work and fetch new documents (F5)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="40"/>
        <source>Sync now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="53"/>
        <source>Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="53"/>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="55"/>
        <source>Connected to the county platform</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="56"/>
        <source>Working offline: everything you sign is kept and sent later</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="63"/>
        <source>Not synchronised yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="65"/>
        <source>Last sync: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/status_bar.py" line="70"/>
        <source>%n operation(s) waiting to be sent</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../client/ui/status_bar.py" line="71"/>
        <source>Nothing waiting to be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../../client/ui/status_bar.py" line="75"/>
        <source>%n problem(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <location filename="../../client/ui/tray.py" line="24"/>
        <source>GovDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="26"/>
        <source>Show GovDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="27"/>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="40"/>
        <source>Extra urgent document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="43"/>
        <source>Urgent notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../client/ui/tray.py" line="48"/>
        <source>Unlock GovDesk to read it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
