; Inno Setup 6 script of the Windows installer (packaging\windows\build.ps1 compiles it with
; /DAppVersion=... /DReleaseFolder=... /DReleasePublicKey=...). Written for IT; not run by this project's tests.
;
; Installs the verified release folder into Program Files\timeclock-kiosk\VERSION, pins the release public key in
; ProgramData\timeclock-kiosk\release.pub (what `timeclock-kiosk verify` checks against), verifies the installed files
; against the signed manifest before finishing, and registers a scheduled task that starts the kiosk full screen when
; the kiosk account logs on (an unattended kiosk PC logs that account in automatically). Starting it again after it
; exits is left to Windows' Shell Launcher (the kiosk as the account's shell, "restart the shell" on exit), which IT
; configures; see the README. The data folder (%LOCALAPPDATA%\timeclock-kiosk of the kiosk account) is never removed
; by the uninstaller.

#ifndef AppVersion
  #error Give /DAppVersion=VERSION
#endif

[Setup]
AppId={{5A0E3D0C-6C1B-4F5B-9E61-2C7B9B1D7A41}
AppName=Timeclock kiosk
AppVersion={#AppVersion}
AppPublisher=Timeclock kiosk
DefaultDirName={autopf}\timeclock-kiosk\{#AppVersion}
DisableDirPage=yes
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputBaseFilename=timeclock-kiosk-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
UninstallDisplayName=Timeclock kiosk {#AppVersion}

[Files]
Source: "{#ReleaseFolder}\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion
Source: "{#ReleasePublicKey}"; DestDir: "{commonappdata}\timeclock-kiosk"; DestName: "release.pub"; Flags: ignoreversion

[Run]
Filename: "{sys}\schtasks.exe"; Parameters: "/Create /F /TN ""Timeclock kiosk"" /SC ONLOGON /RL LIMITED /TR ""\""{app}\timeclock-kiosk.exe\"""""; Flags: runhidden waituntilterminated

[UninstallRun]
Filename: "{sys}\schtasks.exe"; Parameters: "/Delete /F /TN ""Timeclock kiosk"""; Flags: runhidden; RunOnceId: "RemoveTask"

[Code]
// Before the task is registered: the installed files must match the signed manifest, checked against the pinned key.
// A mismatch stops the setup with the reason, and the kiosk is never started from those files.
procedure CurStepChanged(CurStep: TSetupStep);
var
  ResultCode: Integer;
begin
  if CurStep = ssPostInstall then
  begin
    if not Exec(ExpandConstant('{app}\timeclock-kiosk.exe'), 'verify', '', SW_HIDE, ewWaitUntilTerminated, ResultCode)
       or (ResultCode <> 0) then
      RaiseException('The installed files do not match the signed release manifest (timeclock-kiosk verify exited '
        + IntToStr(ResultCode) + '). This installer must not be used.');
  end;
end;
