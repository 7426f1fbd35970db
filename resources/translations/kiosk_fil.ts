<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fil_PH">
<context>
    <name>Actions</name>
    <message>
        <source>Clock in</source>
        <translation>Mag-clock in</translation>
    </message>
    <message>
        <source>Start lunch break</source>
        <translation>Simulan ang tanghalian</translation>
    </message>
    <message>
        <source>Start rest break</source>
        <translation>Simulan ang pahinga</translation>
    </message>
    <message>
        <source>Start other break</source>
        <translation>Simulan ang ibang break</translation>
    </message>
    <message>
        <source>End break</source>
        <translation>Tapusin ang break</translation>
    </message>
    <message>
        <source>Clock out</source>
        <translation>Mag-clock out</translation>
    </message>
    <message>
        <source>Clocked in</source>
        <translation>Naka-clock in na</translation>
    </message>
    <message>
        <source>Break started</source>
        <translation>Nagsimula ang break</translation>
    </message>
    <message>
        <source>Break ended</source>
        <translation>Natapos ang break</translation>
    </message>
    <message>
        <source>Clocked out</source>
        <translation>Naka-clock out na</translation>
    </message>
    <message>
        <source>Lunch break started</source>
        <translation>Nagsimula ang tanghalian</translation>
    </message>
    <message>
        <source>Rest break started</source>
        <translation>Nagsimula ang pahinga</translation>
    </message>
    <message>
        <source>Other break started</source>
        <translation>Nagsimula ang ibang break</translation>
    </message>
</context>
<context>
    <name>AdminHome</name>
    <message>
        <source>1 Unresolved Missed Clock-Out</source>
        <translation>1 Hindi Pa Naaayos na Nakaligtaang Clock-Out</translation>
    </message>
    <message>
        <source>{count} Unresolved Missed Clock-Outs</source>
        <translation>{count} Hindi Pa Naaayos na Nakaligtaang Clock-Out</translation>
    </message>
    <message>
        <source>Review now</source>
        <translation>Suriin ngayon</translation>
    </message>
    <message>
        <source>Leave supervisor mode</source>
        <translation>Umalis sa supervisor mode</translation>
    </message>
    <message>
        <source>Exit the kiosk</source>
        <translation>Isara ang kiosk</translation>
    </message>
    <message>
        <source>Missed clock-outs</source>
        <translation>Mga nakaligtaang clock-out</translation>
    </message>
    <message>
        <source>Who is on site</source>
        <translation>Sino ang nasa site</translation>
    </message>
    <message>
        <source>Settings and sync</source>
        <translation>Mga setting at sync</translation>
    </message>
    <message>
        <source>Department rules</source>
        <translation>Mga patakaran ng departamento</translation>
    </message>
</context>
<context>
    <name>AdminMode</name>
    <message>
        <source>Enter the supervisor PIN</source>
        <translation>Ilagay ang PIN ng supervisor</translation>
    </message>
    <message>
        <source>No employees yet: head office adds them, and they arrive with the next sync.</source>
        <translation>Wala pang empleyado: ang head office ang magdadagdag, at darating sila sa susunod na sync.</translation>
    </message>
    <message>
        <source>Supervisor PIN</source>
        <translation>PIN ng supervisor</translation>
    </message>
    <message>
        <source>Who is on site now</source>
        <translation>Sino ang nasa site ngayon</translation>
    </message>
    <message>
        <source>Today&apos;s punches</source>
        <translation>Mga punch ngayong araw</translation>
    </message>
    <message>
        <source>Employees</source>
        <translation>Mga empleyado</translation>
    </message>
    <message>
        <source>Add employee</source>
        <translation>Magdagdag ng empleyado</translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation>Bagong PIN</translation>
    </message>
    <message>
        <source>Departments and their rules</source>
        <translation>Mga departamento at ang kanilang patakaran</translation>
    </message>
    <message>
        <source>No employees yet: add the first one.</source>
        <translation>Wala pang empleyado: idagdag ang una.</translation>
    </message>
    <message>
        <source>That employee is no longer on the roster</source>
        <translation>Wala na sa listahan ang empleyadong iyon</translation>
    </message>
    <message>
        <source>{name} saved</source>
        <translation>Nai-save si {name}</translation>
    </message>
    <message>
        <source>{name} added: enrol their face now</source>
        <translation>Naidagdag si {name}: i-enrol na ang mukha niya</translation>
    </message>
    <message>
        <source>{name} added</source>
        <translation>Naidagdag si {name}</translation>
    </message>
    <message>
        <source>{name} deactivated; their face data is deleted</source>
        <translation>Na-deactivate si {name}; nabura ang datos ng mukha niya</translation>
    </message>
    <message>
        <source>No departments yet.</source>
        <translation>Wala pang departamento.</translation>
    </message>
    <message>
        <source>New PIN for {name} (4 to 8 digits)</source>
        <translation>Bagong PIN para kay {name} (4 hanggang 8 numero)</translation>
    </message>
    <message>
        <source>PIN saved</source>
        <translation>Nai-save ang PIN</translation>
    </message>
    <message>
        <source>This kiosk has no camera to enrol with</source>
        <translation>Walang camera ang kiosk na ito para sa pag-enrol</translation>
    </message>
    <message>
        <source>Face enrolled: {count} samples</source>
        <translation>Na-enrol ang mukha: {count} sample</translation>
    </message>
    <message>
        <source>Face data deleted (1 sample)</source>
        <translation>Nabura ang datos ng mukha (1 sample)</translation>
    </message>
    <message>
        <source>Face data deleted ({count} samples)</source>
        <translation>Nabura ang datos ng mukha ({count} sample)</translation>
    </message>
</context>
<context>
    <name>Advice</name>
    <message>
        <source>Move closer to the camera.</source>
        <translation>Lumapit nang kaunti sa camera.</translation>
    </message>
    <message>
        <source>Center your face in the picture.</source>
        <translation>Ilagay ang mukha sa gitna ng larawan.</translation>
    </message>
    <message>
        <source>More light is needed on your face.</source>
        <translation>Kailangan ng mas maliwanag na ilaw sa mukha.</translation>
    </message>
    <message>
        <source>Too much light: step out of the glare.</source>
        <translation>Masyadong maliwanag: umiwas sa silaw.</translation>
    </message>
    <message>
        <source>Hold still for a moment.</source>
        <translation>Huwag munang gumalaw.</translation>
    </message>
    <message>
        <source>Look straight at the camera.</source>
        <translation>Tumingin nang diretso sa camera.</translation>
    </message>
    <message>
        <source>Turn your head a little to your left.</source>
        <translation>Ibaling nang kaunti ang ulo sa iyong kaliwa.</translation>
    </message>
    <message>
        <source>Turn your head a little to your right.</source>
        <translation>Ibaling nang kaunti ang ulo sa iyong kanan.</translation>
    </message>
    <message>
        <source>Hold still</source>
        <translation>Huwag gumalaw</translation>
    </message>
</context>
<context>
    <name>CaptureScreen</name>
    <message>
        <source>%v of %m</source>
        <translation>%v sa %m</translation>
    </message>
    <message>
        <source>Enrolling {name}</source>
        <translation>Ini-enrol si {name}</translation>
    </message>
</context>
<context>
    <name>ClaimScreen</name>
    <message>
        <source>Forgot</source>
        <translation>Nakalimutan</translation>
    </message>
    <message>
        <source>Left the screen too soon</source>
        <translation>Umalis agad</translation>
    </message>
    <message>
        <source>System issue</source>
        <translation>Sira ang sistema</translation>
    </message>
    <message>
        <source>Emergency</source>
        <translation>Emergency</translation>
    </message>
    <message>
        <source>Internet lost</source>
        <translation>Walang internet</translation>
    </message>
    <message>
        <source>Device died</source>
        <translation>Patay ang device</translation>
    </message>
    <message>
        <source>{name}, when did you stop working?</source>
        <translation>{name}, kailan ka tumigil sa trabaho?</translation>
    </message>
    <message>
        <source>{name}, you did not clock out after you started today at {time}</source>
        <translation>{name}, hindi ka nag-clock out matapos kang magsimula ngayong araw nang {time}</translation>
    </message>
    <message>
        <source>{name}, you did not clock out after you started yesterday at {time}</source>
        <translation>{name}, hindi ka nag-clock out matapos kang magsimula kahapon nang {time}</translation>
    </message>
    <message>
        <source>{name}, you did not clock out after you started on {date} at {time}</source>
        <translation>{name}, hindi ka nag-clock out matapos kang magsimula noong {date} nang {time}</translation>
    </message>
    <message>
        <source>Say when you stopped working and why there was no clock-out. Your supervisor checks it.</source>
        <translation>Sabihin kung kailan ka tumigil sa trabaho at bakit walang clock-out. Susuriin ito ng iyong supervisor.</translation>
    </message>
    <message>
        <source>You clocked in today at {time} and have not clocked out since.</source>
        <translation>Nag-clock in ka ngayong araw nang {time} at hindi ka pa nag-clock out mula noon.</translation>
    </message>
    <message>
        <source>You clocked in yesterday at {time} and have not clocked out since.</source>
        <translation>Nag-clock in ka kahapon nang {time} at hindi ka pa nag-clock out mula noon.</translation>
    </message>
    <message>
        <source>You clocked in on {date} at {time} and have not clocked out since.</source>
        <translation>Nag-clock in ka noong {date} nang {time} at hindi ka pa nag-clock out mula noon.</translation>
    </message>
    <message>
        <source>{time}
end of the day</source>
        <translation>{time}
dulo ng araw</translation>
    </message>
    <message>
        <source>{time}
{hours} h after clock-in</source>
        <translation>{time}
{hours} oras mula pasok</translation>
    </message>
    <message>
        <source>{time}
now</source>
        <translation>{time}
ngayon</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>Tala (kung gusto)</translation>
    </message>
    <message>
        <source>Submit and clock in</source>
        <translation>Ipadala at mag-clock in</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Kanselahin</translation>
    </message>
    <message>
        <source>When did you stop working?</source>
        <translation>Kailan ka tumigil sa trabaho?</translation>
    </message>
    <message>
        <source>Why was there no clock-out?</source>
        <translation>Bakit walang clock-out?</translation>
    </message>
    <message>
        <source>A note for your supervisor (optional)</source>
        <translation>Tala para sa iyong supervisor (kung gusto)</translation>
    </message>
    <message>
        <source>Note: {note}</source>
        <translation>Tala: {note}</translation>
    </message>
    <message>
        <source>Add a note (optional)</source>
        <translation>Magdagdag ng tala (kung gusto)</translation>
    </message>
</context>
<context>
    <name>ConfirmScreen</name>
    <message>
        <source>Done</source>
        <translation>Tapos na</translation>
    </message>
    <message>
        <source>Already recorded</source>
        <translation>Naitala na</translation>
    </message>
    <message>
        <source>{done} at {time}</source>
        <translation>{done} nang {time}</translation>
    </message>
    <message>
        <source>Your earlier tap was kept; nothing new was stored.</source>
        <translation>Ang nauna mong pindot ang itinago; walang bagong naitala.</translation>
    </message>
    <message>
        <source>at {time}</source>
        <translation>nang {time}</translation>
    </message>
    <message>
        <source>Your clock-out at {time} ({reason}) waits for your supervisor.</source>
        <translation>Ang clock-out mo nang {time} ({reason}) ay hinihintay ang pasya ng iyong supervisor.</translation>
    </message>
    <message>
        <source>Your clock-out at {time} waits for your supervisor.</source>
        <translation>Ang clock-out mo nang {time} ay hinihintay ang pasya ng iyong supervisor.</translation>
    </message>
    <message>
        <source>Claim sent and clocked in</source>
        <translation>Naipadala ang claim at naka-clock in na</translation>
    </message>
    <message>
        <source>Clocked in at {time}</source>
        <translation>Naka-clock in nang {time}</translation>
    </message>
</context>
<context>
    <name>ConsentScreen</name>
    <message>
        <source>I agree that this time clock keeps encrypted templates of my face, computed from the pictures taken now, and compares them with my face when I punch in or out. No picture of my face is kept. I can withdraw this consent at any time; my face templates are then deleted, and I punch with my PIN or with a supervisor.</source>
        <translation>Pumapayag ako na itago ng time clock na ito ang naka-encrypt na template ng aking mukha, na kinuha mula sa mga larawang kukunin ngayon, at ihambing ang mga ito sa aking mukha tuwing ako ay magpa-punch in o out. Walang larawan ng aking mukha ang itatago. Maaari kong bawiin ang pahintulot na ito anumang oras; buburahin na ang mga template ng aking mukha, at magpa-punch ako gamit ang aking PIN o sa tulong ng supervisor.</translation>
    </message>
    <message>
        <source>The employee agrees</source>
        <translation>Pumapayag ang empleyado</translation>
    </message>
    <message>
        <source>Does not agree</source>
        <translation>Hindi pumapayag</translation>
    </message>
    <message>
        <source>Face recognition for {name}</source>
        <translation>Pagkilala sa mukha para kay {name}</translation>
    </message>
</context>
<context>
    <name>DateTimePicker</name>
    <message>
        <source>day</source>
        <translation>araw</translation>
    </message>
    <message>
        <source>hour</source>
        <translation>oras</translation>
    </message>
    <message>
        <source>5 min</source>
        <translation>5 min</translation>
    </message>
    <message>
        <source>1 min</source>
        <translation>1 min</translation>
    </message>
    <message>
        <source>{sign} {step}</source>
        <translation>{sign} {step}</translation>
    </message>
    <message>
        <source>Between {earliest} and {latest}</source>
        <translation>Mula {earliest} hanggang {latest}</translation>
    </message>
</context>
<context>
    <name>DayPicker</name>
    <message>
        <source>− week</source>
        <translation>− linggo</translation>
    </message>
    <message>
        <source>− day</source>
        <translation>− araw</translation>
    </message>
    <message>
        <source>+ day</source>
        <translation>+ araw</translation>
    </message>
    <message>
        <source>+ week</source>
        <translation>+ linggo</translation>
    </message>
</context>
<context>
    <name>DepartmentScreen</name>
    <message>
        <source>Rules of {name} saved</source>
        <translation>Nai-save ang patakaran ng {name}</translation>
    </message>
    <message>
        <source>start {time}</source>
        <translation>simula {time}</translation>
    </message>
    <message>
        <source>{hours} h a day</source>
        <translation>{hours} oras bawat araw</translation>
    </message>
    <message>
        <source>undertime tracked, grace {minutes} min, half day after {time}</source>
        <translation>binibilang ang undertime, palugit {minutes} min, kalahating araw pagkalipas ng {time}</translation>
    </message>
    <message>
        <source>undertime not tracked</source>
        <translation>hindi binibilang ang undertime</translation>
    </message>
    <message>
        <source>{count} employees</source>
        <translation>{count} empleyado</translation>
    </message>
    <message>
        <source>− 15 min</source>
        <translation>− 15 min</translation>
    </message>
    <message>
        <source>+ 15 min</source>
        <translation>+ 15 min</translation>
    </message>
    <message>
        <source>Track late arrivals and half days (undertime)</source>
        <translation>Bilangin ang pagkahuli at kalahating araw (undertime)</translation>
    </message>
    <message>
        <source>Shift starts at</source>
        <translation>Simula ng shift</translation>
    </message>
    <message>
        <source>Half day after</source>
        <translation>Kalahating araw pagkalipas ng</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} min</translation>
    </message>
    <message>
        <source>{hours} h</source>
        <translation>{hours} oras</translation>
    </message>
    <message>
        <source>Grace</source>
        <translation>Palugit</translation>
    </message>
    <message>
        <source>Regular hours a day</source>
        <translation>Regular na oras bawat araw</translation>
    </message>
    <message>
        <source>Department {name}</source>
        <translation>Departamento {name}</translation>
    </message>
</context>
<context>
    <name>EmployeeFormScreen</name>
    <message>
        <source>The kiosk is ready. Add the first employee now; next you will enrol their face so they can punch in.</source>
        <translation>Handa na ang kiosk. Idagdag ngayon ang unang empleyado; susunod, i-enrol ang mukha niya para makapag-punch siya.</translation>
    </message>
    <message>
        <source>No department</source>
        <translation>Walang departamento</translation>
    </message>
    <message>
        <source>e.g. E001</source>
        <translation>hal. E001</translation>
    </message>
    <message>
        <source>e.g. 800 or 812.50</source>
        <translation>hal. 800 o 812.50</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Numero</translation>
    </message>
    <message>
        <source>First name</source>
        <translation>Pangalan</translation>
    </message>
    <message>
        <source>Last name</source>
        <translation>Apelyido</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Buong pangalan</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Departamento</translation>
    </message>
    <message>
        <source>Daily rate</source>
        <translation>Arawang sahod</translation>
    </message>
    <message>
        <source>4 to 8 digits</source>
        <translation>4–8 numero</translation>
    </message>
    <message>
        <source>again</source>
        <translation>muli</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Add an employee</source>
        <translation>Magdagdag ng empleyado</translation>
    </message>
    <message>
        <source>They can then enrol their face, or punch with their PIN.</source>
        <translation>Pagkatapos, maaari nilang i-enrol ang mukha, o mag-punch gamit ang PIN.</translation>
    </message>
    <message>
        <source>Change {name}</source>
        <translation>Baguhin ang detalye ni {name}</translation>
    </message>
    <message>
        <source>Their punches, face and PIN stay theirs, whatever is changed here.</source>
        <translation>Mananatili sa kanila ang mga punch, mukha at PIN, anuman ang baguhin dito.</translation>
    </message>
</context>
<context>
    <name>EmployeeScreen</name>
    <message>
        <source>Deactivate</source>
        <translation>I-deactivate</translation>
    </message>
    <message>
        <source>Enrol face</source>
        <translation>I-enrol ang mukha</translation>
    </message>
    <message>
        <source>Delete face data</source>
        <translation>Burahin ang datos ng mukha</translation>
    </message>
    <message>
        <source>Set PIN</source>
        <translation>Magtakda ng PIN</translation>
    </message>
    <message>
        <source>Change details</source>
        <translation>Baguhin ang detalye</translation>
    </message>
    <message>
        <source>no department</source>
        <translation>walang departamento</translation>
    </message>
    <message>
        <source>{department} ({code})</source>
        <translation>{department} ({code})</translation>
    </message>
    <message>
        <source>Employee {number}</source>
        <translation>Empleyado {number}</translation>
    </message>
    <message>
        <source>daily rate {rate}</source>
        <translation>arawang sahod {rate}</translation>
    </message>
    <message>
        <source>Enrol face again</source>
        <translation>I-enrol muli ang mukha</translation>
    </message>
    <message>
        <source>Tap again to deactivate {name} and delete their face data</source>
        <translation>Pindutin muli para i-deactivate si {name} at burahin ang datos ng mukha</translation>
    </message>
    <message>
        <source>Name, number, department and daily rate are managed by head office.</source>
        <translation>Ang head office ang namamahala sa pangalan, numero, departamento at arawang sahod.</translation>
    </message>
</context>
<context>
    <name>EmployeeState</name>
    <message>
        <source>On a lunch break since {time}</source>
        <translation>Nasa tanghalian mula {time}</translation>
    </message>
    <message>
        <source>On a rest break since {time}</source>
        <translation>Nagpapahinga mula {time}</translation>
    </message>
    <message>
        <source>On a break since {time}</source>
        <translation>Naka-break mula {time}</translation>
    </message>
    <message>
        <source>On shift since {time}</source>
        <translation>Nasa shift mula {time}</translation>
    </message>
    <message>
        <source>Not clocked in</source>
        <translation>Hindi naka-clock in</translation>
    </message>
</context>
<context>
    <name>ExitScreen</name>
    <message>
        <source>Exit the kiosk?</source>
        <translation>Isara ang kiosk?</translation>
    </message>
    <message>
        <source>Nobody can punch at this kiosk until it is started again. Punches already made are kept.</source>
        <translation>Walang makakapag-punch sa kiosk na ito hanggang buksan itong muli. Mananatili ang mga punch na nagawa na.</translation>
    </message>
</context>
<context>
    <name>ExportScreen</name>
    <message>
        <source>Timesheet export</source>
        <translation>I-export ang timesheet</translation>
    </message>
    <message>
        <source>Saved {rows} rows to {csv} and {workbook}</source>
        <translation>Nai-save ang {rows} hilera sa {csv} at {workbook}</translation>
    </message>
    <message>
        <source>Timesheet exported</source>
        <translation>Na-export ang timesheet</translation>
    </message>
    <message>
        <source>This kiosk&apos;s data folder ({folder})</source>
        <translation>Folder ng datos ng kiosk na ito ({folder})</translation>
    </message>
    <message>
        <source>Removable drive {drive}</source>
        <translation>Naaalis na drive {drive}</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Mula</translation>
    </message>
    <message>
        <source>To</source>
        <translation>Hanggang</translation>
    </message>
    <message>
        <source>Export timesheet (CSV and Excel)</source>
        <translation>I-export ang timesheet (CSV at Excel)</translation>
    </message>
    <message>
        <source>Save to</source>
        <translation>I-save sa</translation>
    </message>
    <message>
        <source>No removable drive is plugged in. Plug one in and open this screen again to save on it.</source>
        <translation>Walang nakasaksak na naaalis na drive. Magsaksak ng isa at buksan muli ang screen na ito para mag-save doon.</translation>
    </message>
    <message>
        <source>Hours, breaks, overtime and undertime per employee and business day.</source>
        <translation>Oras, break, overtime at undertime bawat empleyado at araw ng trabaho.</translation>
    </message>
</context>
<context>
    <name>GreetScreen</name>
    <message>
        <source>I forgot to clock out</source>
        <translation>Nakalimutan kong mag-clock out</translation>
    </message>
    <message>
        <source>Not me / cancel</source>
        <translation>Hindi ako / kanselahin</translation>
    </message>
    <message>
        <source>Hello, {name}</source>
        <translation>Kumusta, {name}</translation>
    </message>
</context>
<context>
    <name>IdleScreen</name>
    <message>
        <source>Supervisor</source>
        <translation>Supervisor</translation>
    </message>
    <message>
        <source>Blink your eyes</source>
        <translation>Kumurap</translation>
    </message>
    <message>
        <source>Turn your head to your left</source>
        <translation>Ibaling ang ulo sa iyong kaliwa</translation>
    </message>
    <message>
        <source>Turn your head to your right</source>
        <translation>Ibaling ang ulo sa iyong kanan</translation>
    </message>
    <message>
        <source>Smile</source>
        <translation>Ngumiti</translation>
    </message>
    <message>
        <source>Look up</source>
        <translation>Tumingala</translation>
    </message>
    <message>
        <source>Look at the camera to punch</source>
        <translation>Tumingin sa camera para mag-punch</translation>
    </message>
    <message>
        <source>Punch with PIN</source>
        <translation>Mag-punch gamit ang PIN</translation>
    </message>
    <message>
        <source>Checking who you are…</source>
        <translation>Tinitingnan kung sino ka…</translation>
    </message>
    <message>
        <source>Punch with your PIN</source>
        <translation>Mag-punch gamit ang iyong PIN</translation>
    </message>
    <message>
        <source>Ask your supervisor to punch for you</source>
        <translation>Magpa-punch sa iyong supervisor</translation>
    </message>
    <message>
        <source>No camera on this kiosk</source>
        <translation>Walang camera ang kiosk na ito</translation>
    </message>
    <message>
        <source>No camera on this kiosk.</source>
        <translation>Walang camera ang kiosk na ito.</translation>
    </message>
    <message>
        <source>Camera on</source>
        <translation>Bukas ang camera</translation>
    </message>
    <message>
        <source>Camera starting…</source>
        <translation>Binubuksan ang camera…</translation>
    </message>
    <message>
        <source>Starting the camera…</source>
        <translation>Binubuksan ang camera…</translation>
    </message>
    <message>
        <source>Camera not working, reconnecting</source>
        <translation>Hindi gumagana ang camera, kumokonekta muli</translation>
    </message>
    <message>
        <source>Camera off</source>
        <translation>Sarado ang camera</translation>
    </message>
    <message>
        <source>The camera is not working. It reconnects by itself.</source>
        <translation>Hindi gumagana ang camera. Kusa itong kokonekta muli.</translation>
    </message>
    <message>
        <source>You can punch with your PIN.</source>
        <translation>Maaari kang mag-punch gamit ang iyong PIN.</translation>
    </message>
    <message>
        <source>Ask your supervisor.</source>
        <translation>Magtanong sa iyong supervisor.</translation>
    </message>
    <message>
        <source>{problem} {then}</source>
        <translation>{problem} {then}</translation>
    </message>
    <message>
        <source>{camera}  ·  {sync}</source>
        <translation>{camera}  ·  {sync}</translation>
    </message>
    <message>
        <source>Offline kiosk: punches are kept here</source>
        <translation>Offline na kiosk: dito itinatago ang mga punch</translation>
    </message>
    <message>
        <source>offline, {count} waiting to sync</source>
        <translation>offline, {count} naghihintay ma-sync</translation>
    </message>
    <message>
        <source>offline, all synced</source>
        <translation>offline, lahat ay na-sync na</translation>
    </message>
    <message>
        <source>online, {count} waiting to sync</source>
        <translation>online, {count} naghihintay ma-sync</translation>
    </message>
    <message>
        <source>online, all synced</source>
        <translation>online, lahat ay na-sync na</translation>
    </message>
</context>
<context>
    <name>Incidents</name>
    <message>
        <source>waiting for the employee</source>
        <translation>hinihintay ang empleyado</translation>
    </message>
    <message>
        <source>claimed, waiting for review</source>
        <translation>may claim, hinihintay ang pagsusuri</translation>
    </message>
    <message>
        <source>approved</source>
        <translation>inaprubahan</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>tinanggihan</translation>
    </message>
    <message>
        <source>No missed clock-outs.</source>
        <translation>Walang nakaligtaang clock-out.</translation>
    </message>
    <message>
        <source>in {time}</source>
        <translation>pasok {time}</translation>
    </message>
    <message>
        <source>Notes (required to reject)</source>
        <translation>Mga tala (kailangan kapag tatanggihan)</translation>
    </message>
    <message>
        <source>Approve claimed time</source>
        <translation>Aprubahan ang oras sa claim</translation>
    </message>
    <message>
        <source>Reject: use the time above</source>
        <translation>Tanggihan: gamitin ang oras sa itaas</translation>
    </message>
    <message>
        <source>Clock-out time to use if you reject</source>
        <translation>Oras ng clock-out na gagamitin kapag tinanggihan</translation>
    </message>
    <message>
        <source>Missed clock-out</source>
        <translation>Nakaligtaang clock-out</translation>
    </message>
    <message>
        <source>Back to the list</source>
        <translation>Bumalik sa listahan</translation>
    </message>
    <message>
        <source>none</source>
        <translation>wala</translation>
    </message>
    <message>
        <source>Employee: {name}</source>
        <translation>Empleyado: {name}</translation>
    </message>
    <message>
        <source>Clocked in: {time}</source>
        <translation>Nag-clock in: {time}</translation>
    </message>
    <message>
        <source>Claimed clock-out: {time}</source>
        <translation>Clock-out sa claim: {time}</translation>
    </message>
    <message>
        <source>Reason: {reason}</source>
        <translation>Dahilan: {reason}</translation>
    </message>
    <message>
        <source>Note: {note}</source>
        <translation>Tala: {note}</translation>
    </message>
    <message>
        <source>Status: {status}</source>
        <translation>Katayuan: {status}</translation>
    </message>
    <message>
        <source>Final clock-out: {time}</source>
        <translation>Huling clock-out: {time}</translation>
    </message>
    <message>
        <source>{name}: claim approved</source>
        <translation>{name}: inaprubahan ang claim</translation>
    </message>
    <message>
        <source>{name}: claim rejected</source>
        <translation>{name}: tinanggihan ang claim</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Clear</source>
        <translation>Burahin</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <source>Time clock</source>
        <translation>Time clock</translation>
    </message>
</context>
<context>
    <name>Liveness</name>
    <message>
        <source>No face was seen. Stand in front of the camera.</source>
        <translation>Walang nakitang mukha. Tumayo sa harap ng camera.</translation>
    </message>
    <message>
        <source>Your face was not seen long enough. Stay in front of the camera.</source>
        <translation>Hindi sapat ang tagal na nakita ang iyong mukha. Manatili sa harap ng camera.</translation>
    </message>
    <message>
        <source>The picture did not change, like a photo. Look at the camera yourself.</source>
        <translation>Hindi nagbago ang larawan, parang litrato. Ikaw mismo ang tumingin sa camera.</translation>
    </message>
    <message>
        <source>No blink was seen, like a photo. Look at the camera yourself.</source>
        <translation>Walang nakitang pagkurap, parang litrato. Ikaw mismo ang tumingin sa camera.</translation>
    </message>
    <message>
        <source>The face moved like a flat picture. Look at the camera yourself.</source>
        <translation>Gumalaw ang mukha na parang patag na larawan. Ikaw mismo ang tumingin sa camera.</translation>
    </message>
    <message>
        <source>The head turned without depth, like a picture. Look at the camera yourself.</source>
        <translation>Bumaling ang ulo nang walang lalim, parang larawan. Ikaw mismo ang tumingin sa camera.</translation>
    </message>
    <message>
        <source>A screen was seen in front of the camera. Look at the camera yourself.</source>
        <translation>May nakitang screen sa harap ng camera. Ikaw mismo ang tumingin sa camera.</translation>
    </message>
    <message>
        <source>Straight edges were seen around the face, like a screen or a photo. Look at the camera yourself.</source>
        <translation>May tuwid na gilid sa paligid ng mukha, parang screen o litrato. Ikaw mismo ang tumingin sa camera.</translation>
    </message>
    <message>
        <source>A step was not done in time. Follow the sign on the screen.</source>
        <translation>Hindi nagawa sa oras ang isang hakbang. Sundin ang senyas sa screen.</translation>
    </message>
    <message>
        <source>The attempt ended before every step was done.</source>
        <translation>Natapos ang pagsubok bago nagawa ang bawat hakbang.</translation>
    </message>
    <message>
        <source>This looks like a picture or a screen. Look at the camera yourself.</source>
        <translation>Mukhang litrato o screen ito. Ikaw mismo ang tumingin sa camera.</translation>
    </message>
    <message>
        <source>A live face could not be confirmed. Look straight at the camera and try again.</source>
        <translation>Hindi natiyak na buhay na mukha ito. Tumingin nang diretso sa camera at subukang muli.</translation>
    </message>
    <message>
        <source>The attempt ended before your face could be checked.</source>
        <translation>Natapos ang pagsubok bago nasuri ang iyong mukha.</translation>
    </message>
    <message>
        <source>Please try again.</source>
        <translation>Pakisubukang muli.</translation>
    </message>
</context>
<context>
    <name>NamePickScreen</name>
    <message>
        <source>Search by name or number</source>
        <translation>Hanapin ayon sa pangalan o numero</translation>
    </message>
    <message>
        <source>Nobody to choose.</source>
        <translation>Walang mapipili.</translation>
    </message>
    <message>
        <source>No name or number matches “{query}”.</source>
        <translation>Walang pangalan o numerong tugma sa “{query}”.</translation>
    </message>
    <message>
        <source>Tap your name</source>
        <translation>Pindutin ang iyong pangalan</translation>
    </message>
    <message>
        <source>Nobody has a PIN yet. A supervisor can set one.</source>
        <translation>Wala pang may PIN. Maaaring magtakda ang supervisor.</translation>
    </message>
</context>
<context>
    <name>NoticeScreen</name>
    <message>
        <source>Back</source>
        <translation>Bumalik</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Subukang muli</translation>
    </message>
    <message>
        <source>Back to the camera in {seconds} s</source>
        <translation>Babalik sa camera sa loob ng {seconds} s</translation>
    </message>
    <message>
        <source>We could not confirm a live face</source>
        <translation>Hindi namin makumpirma na buhay na mukha ito</translation>
    </message>
    <message>
        <source>We could not recognise you</source>
        <translation>Hindi ka namin nakilala</translation>
    </message>
    <message>
        <source>No faces are enrolled on this kiosk.</source>
        <translation>Walang naka-enrol na mukha sa kiosk na ito.</translation>
    </message>
    <message>
        <source>Your face did not match anyone enrolled on this kiosk.</source>
        <translation>Walang katugma ang iyong mukha sa mga naka-enrol sa kiosk na ito.</translation>
    </message>
    <message>
        <source>{problem} {advice}</source>
        <translation>{problem} {advice}</translation>
    </message>
</context>
<context>
    <name>OnScreenKeyboard</name>
    <message>
        <source>Shift</source>
        <translation>Shift</translation>
    </message>
    <message>
        <source>Space</source>
        <translation>Espasyo</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Bura</translation>
    </message>
    <message>
        <source>Delete the last character</source>
        <translation>Burahin ang huling titik</translation>
    </message>
</context>
<context>
    <name>PinScreen</name>
    <message>
        <source>Wrong PIN. Try again.</source>
        <translation>Maling PIN. Subukang muli.</translation>
    </message>
    <message>
        <source>Wrong PIN.</source>
        <translation>Maling PIN.</translation>
    </message>
    <message>
        <source>Wrong PIN. 1 more try before the PIN entry locks.</source>
        <translation>Maling PIN. 1 subok na lang bago ma-lock ang pagpasok ng PIN.</translation>
    </message>
    <message>
        <source>Wrong PIN. {tries} more tries before the PIN entry locks.</source>
        <translation>Maling PIN. {tries} subok na lang bago ma-lock ang pagpasok ng PIN.</translation>
    </message>
    <message>
        <source>Too many wrong PINs. Try again in {seconds} s.</source>
        <translation>Masyadong maraming maling PIN. Subukang muli sa loob ng {seconds} s.</translation>
    </message>
    <message>
        <source>Your PIN</source>
        <translation>Ang iyong PIN</translation>
    </message>
    <message>
        <source>{name}: your PIN</source>
        <translation>{name}: ang iyong PIN</translation>
    </message>
</context>
<context>
    <name>Problems</name>
    <message>
        <source>Something went wrong. Please try again, or ask your supervisor.</source>
        <translation>May nagkaproblema. Pakisubukang muli, o magtanong sa iyong supervisor.</translation>
    </message>
    <message>
        <source>This kiosk is not set up yet.</source>
        <translation>Hindi pa naka-set up ang kiosk na ito.</translation>
    </message>
    <message>
        <source>This kiosk is already set up.</source>
        <translation>Naka-set up na ang kiosk na ito.</translation>
    </message>
    <message>
        <source>The two PIN entries differ.</source>
        <translation>Magkaiba ang dalawang inilagay na PIN.</translation>
    </message>
    <message>
        <source>The PIN must be {shortest} to {longest} digits.</source>
        <translation>Ang PIN ay dapat {shortest} hanggang {longest} numero.</translation>
    </message>
    <message>
        <source>The supervisor PIN is not right.</source>
        <translation>Mali ang PIN ng supervisor.</translation>
    </message>
    <message>
        <source>This employee has no PIN; a supervisor can set one.</source>
        <translation>Walang PIN ang empleyadong ito; maaaring magtakda ang supervisor.</translation>
    </message>
    <message>
        <source>PIN punching is turned off for this company; please use the camera.</source>
        <translation>Naka-off ang pag-punch gamit ang PIN sa kompanyang ito; pakigamit ang camera.</translation>
    </message>
    <message>
        <source>This PIN was set at another kiosk before it joined the company; type it there once, or ask a supervisor to set it again.</source>
        <translation>Itinakda ang PIN na ito sa ibang kiosk bago ito sumali sa kumpanya; i-type ito roon nang isang beses, o hilingin sa isang superbisor na itakda itong muli.</translation>
    </message>
    <message>
        <source>The company needs a name.</source>
        <translation>Kailangan ng pangalan ang kompanya.</translation>
    </message>
    <message>
        <source>The site needs a name.</source>
        <translation>Kailangan ng pangalan ang site.</translation>
    </message>
    <message>
        <source>This kiosk needs a name.</source>
        <translation>Kailangan ng pangalan ang kiosk na ito.</translation>
    </message>
    <message>
        <source>That is not a time zone name such as Asia/Manila.</source>
        <translation>Hindi iyan pangalan ng time zone gaya ng Asia/Manila.</translation>
    </message>
    <message>
        <source>This employee is not on the roster of this kiosk.</source>
        <translation>Wala sa listahan ng kiosk na ito ang empleyadong ito.</translation>
    </message>
    <message>
        <source>This employee is no longer active.</source>
        <translation>Hindi na aktibo ang empleyadong ito.</translation>
    </message>
    <message>
        <source>You are already clocked in.</source>
        <translation>Naka-clock in ka na.</translation>
    </message>
    <message>
        <source>You are not clocked in; clock in first.</source>
        <translation>Hindi ka naka-clock in; mag-clock in muna.</translation>
    </message>
    <message>
        <source>You are already on a break; end it first.</source>
        <translation>Naka-break ka na; tapusin muna ito.</translation>
    </message>
    <message>
        <source>You are not on a break, so there is none to end.</source>
        <translation>Hindi ka naka-break, kaya walang tatapusin.</translation>
    </message>
    <message>
        <source>Choose the kind of break: lunch, rest or other.</source>
        <translation>Piliin ang uri ng break: tanghalian, pahinga o iba pa.</translation>
    </message>
    <message>
        <source>The session is still open; say until when to count it.</source>
        <translation>Bukas pa ang session; sabihin kung hanggang kailan ito bibilangin.</translation>
    </message>
    <message>
        <source>There is no open session to explain.</source>
        <translation>Walang bukas na session na ipapaliwanag.</translation>
    </message>
    <message>
        <source>The clock-out time cannot be in the future.</source>
        <translation>Hindi maaaring nasa hinaharap ang oras ng clock-out.</translation>
    </message>
    <message>
        <source>The clock-out time cannot be before the clock-in.</source>
        <translation>Hindi maaaring mas maaga sa clock-in ang oras ng clock-out.</translation>
    </message>
    <message>
        <source>A session cannot end before it starts.</source>
        <translation>Hindi maaaring matapos ang session bago ito magsimula.</translation>
    </message>
    <message>
        <source>A claim was already sent for this missed clock-out.</source>
        <translation>May naipadala nang claim para sa nakaligtaang clock-out na ito.</translation>
    </message>
    <message>
        <source>The note is too long.</source>
        <translation>Masyadong mahaba ang tala.</translation>
    </message>
    <message>
        <source>This missed clock-out is no longer on this kiosk.</source>
        <translation>Wala na sa kiosk na ito ang nakaligtaang clock-out na ito.</translation>
    </message>
    <message>
        <source>This missed clock-out was already resolved.</source>
        <translation>Naayos na ang nakaligtaang clock-out na ito.</translation>
    </message>
    <message>
        <source>This missed clock-out has not been resolved yet.</source>
        <translation>Hindi pa naaayos ang nakaligtaang clock-out na ito.</translation>
    </message>
    <message>
        <source>Rejecting a claim needs the clock-out time to use.</source>
        <translation>Kailangan ng oras ng clock-out na gagamitin kapag tinanggihan ang claim.</translation>
    </message>
    <message>
        <source>The employee has not claimed a time yet; reject with the time you set instead.</source>
        <translation>Wala pang inilagay na oras ang empleyado; tanggihan na lang gamit ang oras na itinakda mo.</translation>
    </message>
    <message>
        <source>The notes are required to reject a claim.</source>
        <translation>Kailangan ang mga tala para tanggihan ang claim.</translation>
    </message>
    <message>
        <source>The notes are too long.</source>
        <translation>Masyadong mahaba ang mga tala.</translation>
    </message>
    <message>
        <source>The period starts after it ends; swap the dates.</source>
        <translation>Nagsisimula ang panahon pagkatapos nitong magtapos; pagpalitin ang mga petsa.</translation>
    </message>
    <message>
        <source>Timesheets are held back while missed clock-outs wait for review. Resolve them first.</source>
        <translation>Pinipigil ang mga timesheet habang may nakaligtaang clock-out na hinihintay suriin. Ayusin muna ang mga iyon.</translation>
    </message>
    <message>
        <source>The employee has not agreed to face recognition.</source>
        <translation>Hindi pumayag ang empleyado sa pagkilala sa mukha.</translation>
    </message>
    <message>
        <source>No face sample was taken.</source>
        <translation>Walang nakuhang sample ng mukha.</translation>
    </message>
    <message>
        <source>A sample looking straight at the camera is needed.</source>
        <translation>Kailangan ng sample na diretsong nakatingin sa camera.</translation>
    </message>
    <message>
        <source>The samples do not all show the same person. Start again.</source>
        <translation>Hindi iisang tao ang nasa lahat ng sample. Magsimulang muli.</translation>
    </message>
    <message>
        <source>This face is already enrolled for another employee.</source>
        <translation>Naka-enrol na ang mukhang ito para sa ibang empleyado.</translation>
    </message>
    <message>
        <source>The employee number must be 1 to 64 letters, digits, &apos;-&apos;, &apos;_&apos; or &apos;.&apos;.</source>
        <translation>Ang numero ng empleyado ay dapat 1 hanggang 64 na titik, numero, &apos;-&apos;, &apos;_&apos; o &apos;.&apos;.</translation>
    </message>
    <message>
        <source>Another employee already has this employee number.</source>
        <translation>May ibang empleyado nang may ganitong numero.</translation>
    </message>
    <message>
        <source>The first name is required.</source>
        <translation>Kailangan ang unang pangalan.</translation>
    </message>
    <message>
        <source>The last name is required.</source>
        <translation>Kailangan ang apelyido.</translation>
    </message>
    <message>
        <source>The first name is too long.</source>
        <translation>Masyadong mahaba ang unang pangalan.</translation>
    </message>
    <message>
        <source>The last name is too long.</source>
        <translation>Masyadong mahaba ang apelyido.</translation>
    </message>
    <message>
        <source>The daily rate must be an amount from 0 to 1,000,000, such as 812.50.</source>
        <translation>Ang arawang sahod ay dapat halagang mula 0 hanggang 1,000,000, gaya ng 812.50.</translation>
    </message>
    <message>
        <source>That department is not on this kiosk.</source>
        <translation>Wala sa kiosk na ito ang departamentong iyan.</translation>
    </message>
    <message>
        <source>That department is switched off.</source>
        <translation>Naka-off ang departamentong iyan.</translation>
    </message>
    <message>
        <source>Head office manages this; ask them to make the change.</source>
        <translation>Ang head office ang namamahala rito; hilingin sa kanila ang pagbabago.</translation>
    </message>
    <message>
        <source>Choose the days to export.</source>
        <translation>Piliin ang mga araw na ie-export.</translation>
    </message>
    <message>
        <source>These department rules do not fit together.</source>
        <translation>Hindi magkatugma ang mga patakarang ito ng departamento.</translation>
    </message>
    <message>
        <source>That setting cannot be saved.</source>
        <translation>Hindi mai-save ang setting na iyan.</translation>
    </message>
    <message>
        <source>A problem outside the kiosk program: {detail}</source>
        <translation>May problema sa labas ng programa ng kiosk: {detail}</translation>
    </message>
</context>
<context>
    <name>SettingsScreen</name>
    <message>
        <source>Relaxed</source>
        <translation>Maluwag</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Karaniwan</translation>
    </message>
    <message>
        <source>Strict</source>
        <translation>Mahigpit</translation>
    </message>
    <message>
        <source>Secrets are kept in the operating system&apos;s keyring.</source>
        <translation>Nakatago ang mga lihim sa keyring ng operating system.</translation>
    </message>
    <message>
        <source>Secrets are kept encrypted under a key sealed by systemd to this PC.</source>
        <translation>Naka-encrypt ang mga lihim sa ilalim ng susing sinelyuhan ng systemd sa PC na ito.</translation>
    </message>
    <message>
        <source>Secrets are protected by file permissions only (no keyring, no sealed key on this PC). Ask IT to seal them (main.py secrets seal).</source>
        <translation>Pahintulot lang sa file ang nagpoprotekta sa mga lihim (walang keyring, walang selyadong susi sa PC na ito). Ipaselyo ito sa IT (main.py secrets seal).</translation>
    </message>
    <message>
        <source>network</source>
        <translation>network</translation>
    </message>
    <message>
        <source>login refused</source>
        <translation>tinanggihan ang login</translation>
    </message>
    <message>
        <source>conflict</source>
        <translation>salungatan</translation>
    </message>
    <message>
        <source>other</source>
        <translation>iba pa</translation>
    </message>
    <message>
        <source>Not connected to a central database: punches are kept on this kiosk only.</source>
        <translation>Hindi konektado sa central database: sa kiosk na ito lang itinatago ang mga punch.</translation>
    </message>
    <message>
        <source>never</source>
        <translation>hindi pa kailanman</translation>
    </message>
    <message>
        <source>Waiting to sync: {count}</source>
        <translation>Naghihintay ma-sync: {count}</translation>
    </message>
    <message>
        <source>Last successful sync: {time}</source>
        <translation>Huling matagumpay na sync: {time}</translation>
    </message>
    <message>
        <source>Syncing now…</source>
        <translation>Nagsi-sync ngayon…</translation>
    </message>
    <message>
        <source>Last problem ({kind}): {problem}</source>
        <translation>Huling problema ({kind}): {problem}</translation>
    </message>
    <message>
        <source>Last problem: {problem}</source>
        <translation>Huling problema: {problem}</translation>
    </message>
    <message>
        <source>Sync is stopped until the kiosk is provisioned again.</source>
        <translation>Nakahinto ang sync hanggang ma-provision muli ang kiosk.</translation>
    </message>
    <message>
        <source>{seconds} s</source>
        <translation>{seconds} s</translation>
    </message>
    <message>
        <source>Ask for a claim when someone did not clock out</source>
        <translation>Humingi ng claim kapag may hindi nag-clock out</translation>
    </message>
    <message>
        <source>Block reports and payroll exports while claims are unresolved</source>
        <translation>Pigilan ang mga ulat at payroll export habang may claim na hindi pa naaayos</translation>
    </message>
    <message>
        <source>Employees may punch with a PIN</source>
        <translation>Maaaring mag-punch ang empleyado gamit ang PIN</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>I-sync ngayon</translation>
    </message>
    <message>
        <source>Liveness check</source>
        <translation>Liveness check</translation>
    </message>
    <message>
        <source>Face matching</source>
        <translation>Pagtutugma ng mukha</translation>
    </message>
    <message>
        <source>Back to the idle screen after</source>
        <translation>Bumalik sa idle screen pagkalipas ng</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Mga setting</translation>
    </message>
    <message>
        <source>Kiosk language</source>
        <translation>Wika ng kiosk</translation>
    </message>
    <message>
        <source>Settings saved</source>
        <translation>Nai-save ang mga setting</translation>
    </message>
    <message>
        <source>Synced</source>
        <translation>Na-sync</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>I-save</translation>
    </message>
</context>
<context>
    <name>SetupScreen</name>
    <message>
        <source>Start the kiosk</source>
        <translation>Simulan ang kiosk</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>Kompanya</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>Site</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Time zone</translation>
    </message>
    <message>
        <source>This kiosk&apos;s name</source>
        <translation>Pangalan ng kiosk na ito</translation>
    </message>
    <message>
        <source>Supervisor PIN (6 to 12 digits)</source>
        <translation>PIN ng supervisor (6 hanggang 12 numero)</translation>
    </message>
    <message>
        <source>Supervisor PIN again</source>
        <translation>PIN ng supervisor, muli</translation>
    </message>
    <message>
        <source>Set up this time clock</source>
        <translation>I-set up ang time clock na ito</translation>
    </message>
    <message>
        <source>These facts are asked once. The supervisor PIN opens supervisor mode.</source>
        <translation>Minsan lang itatanong ang mga ito. Binubuksan ng PIN ng supervisor ang supervisor mode.</translation>
    </message>
</context>
<context>
    <name>SupervisorLists</name>
    <message>
        <source>by face</source>
        <translation>sa mukha</translation>
    </message>
    <message>
        <source>by PIN</source>
        <translation>sa PIN</translation>
    </message>
    <message>
        <source>by a supervisor</source>
        <translation>ng supervisor</translation>
    </message>
    <message>
        <source>waiting to sync</source>
        <translation>naghihintay ma-sync</translation>
    </message>
    <message>
        <source>synced</source>
        <translation>na-sync</translation>
    </message>
    <message>
        <source>refused by head office</source>
        <translation>tinanggihan ng head office</translation>
    </message>
    <message>
        <source>in conflict at head office</source>
        <translation>may salungatan sa head office</translation>
    </message>
    <message>
        <source>on a lunch break since {time}</source>
        <translation>nasa tanghalian mula {time}</translation>
    </message>
    <message>
        <source>on a rest break since {time}</source>
        <translation>nagpapahinga mula {time}</translation>
    </message>
    <message>
        <source>on a break since {time}</source>
        <translation>naka-break mula {time}</translation>
    </message>
    <message>
        <source>on shift since {time}</source>
        <translation>nasa shift mula {time}</translation>
    </message>
    <message>
        <source>• open too long: probably left without clocking out</source>
        <translation>• matagal nang bukas: malamang umalis nang hindi nag-clock out</translation>
    </message>
    <message>
        <source>{count} on site, {on_break} of them on a break</source>
        <translation>{count} nasa site, {on_break} sa kanila ay naka-break</translation>
    </message>
    <message>
        <source>Nobody is on site.</source>
        <translation>Walang tao sa site.</translation>
    </message>
    <message>
        <source>{count} punches today</source>
        <translation>{count} punch ngayong araw</translation>
    </message>
    <message>
        <source>No punches today yet.</source>
        <translation>Wala pang punch ngayong araw.</translation>
    </message>
    <message>
        <source>{count} face samples</source>
        <translation>{count} sample ng mukha</translation>
    </message>
    <message>
        <source>no face enrolled</source>
        <translation>walang mukha</translation>
    </message>
    <message>
        <source>PIN set</source>
        <translation>may PIN</translation>
    </message>
    <message>
        <source>no PIN</source>
        <translation>walang PIN</translation>
    </message>
</context>
</TS>
