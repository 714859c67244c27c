; GovDesk 政务桌面 — Inno Setup 6 script (per-machine installer for Windows 10/11 x64).
;
; Build on Windows, after `pyinstaller build.spec --noconfirm` (see README.md here):
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" packaging\windows\govdesk.iss
; The version comes from dist\govdesk\govdesk.exe (whose version resource build.spec
; writes from pyproject.toml); override with /DAppVersion=1.2.3.
;
; Silent rollout by county IT (all switches optional except /VERYSILENT):
;   GovDesk-Setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;       /SERVER=https://oa.example.gov.cn /CAFILE=\\fileserver\it\county-ca.pem /LOG=C:\govdesk-setup.log
; /SERVER and /CAFILE are written to {commonappdata}\GovDesk\govdesk.toml (the machine
; config the client reads), the CA file is copied next to it as county-ca.pem.
; Upgrades: same AppId, so a newer installer replaces the program files and leaves the
; machine config, the policy file and every user's offline data as they are.
; Uninstall keeps user data and the machine config unless the person confirms removal,
; or the uninstaller is run with /PURGE.

#define AppName "GovDesk"
#define AppNameZh "GovDesk 政务桌面"
#define AppExe "govdesk.exe"
#define CliExe "govdesk-cli.exe"
#ifndef BundleDir
  #define BundleDir AddBackslash(SourcePath) + "..\..\dist\govdesk"
#endif
#ifndef AppVersion
  #define AppVersion GetVersionNumbersString(AddBackslash(BundleDir) + AppExe)
#endif
#if AppVersion == ""
  #error Cannot read the version from the bundle: build it first or pass /DAppVersion=x.y.z
#endif

[Setup]
; Never change AppId: it is how a newer installer finds and upgrades an older install.
AppId={{7F3C2B1E-5A4D-4C8B-9E21-6D0F3A9B8C47}
AppName={#AppNameZh}
AppVersion={#AppVersion}
AppVerName={#AppNameZh} {#AppVersion}
AppPublisher=GovDesk
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
DefaultDirName={autopf}\GovDesk
DefaultGroupName={#AppNameZh}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#SourcePath}..\..\dist
OutputBaseFilename=GovDesk-Setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running GovDesk (Restart Manager) before replacing its files on upgrade.
CloseApplications=yes
RestartApplications=no
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppNameZh}
SetupLogging=yes
ShowLanguageDialog=auto

[Languages]
; Chinese first: it is the default when Windows' UI language is not matched.
#if FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(SourcePath + "ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "{#SourcePath}ChineseSimplified.isl"
#else
  #error ChineseSimplified.isl not found: copy it from Inno Setup's translations into Inno's Languages folder or next to this script (see README.md)
#endif
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
chinesesimplified.PurgeQuestion=是否同时删除本机的 GovDesk 配置和您的离线数据（本地缓存、日志）？%n%n尚未同步到平台的签批和草稿将会丢失。一般情况下请选择“否”。
english.PurgeQuestion=Also remove this PC's GovDesk configuration and your offline data (local cache, logs)?%n%nSign-offs and drafts not yet synchronised with the platform will be lost. Normally choose "No".
chinesesimplified.BadServer=/SERVER 参数必须是以 http:// 或 https:// 开头的平台地址：%1
english.BadServer=/SERVER must be the platform address starting with http:// or https://: %1
chinesesimplified.BadCaFile=找不到 /CAFILE 指定的证书文件：%1
english.BadCaFile=The certificate file given with /CAFILE does not exist: %1
chinesesimplified.ConfigWriteFailed=无法写入机器配置文件：%1
english.ConfigWriteFailed=Cannot write the machine configuration: %1
chinesesimplified.CliName=GovDesk 自检与诊断
english.CliName=GovDesk self-test and diagnostics

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade must not keep libraries of the previous version next to the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Dirs]
Name: "{commonappdata}\GovDesk"; Flags: uninsneveruninstall

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "{#SourcePath}..\config-samples\govdesk.toml"; DestDir: "{app}\config-samples"; Flags: ignoreversion
Source: "{#SourcePath}..\config-samples\policy.toml"; DestDir: "{app}\config-samples"; Flags: ignoreversion
; The commented sample becomes the machine config only on a first install; an existing
; (possibly edited) one is never overwritten, and uninstall leaves it unless purging.
Source: "{#SourcePath}..\config-samples\govdesk.toml"; DestDir: "{commonappdata}\GovDesk"; Flags: onlyifdoesntexist uninsneveruninstall

[Icons]
Name: "{autoprograms}\{#AppNameZh}"; Filename: "{app}\{#AppExe}"
Name: "{autoprograms}\{cm:CliName}"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#CliExe}"" --self-test"; WorkingDir: "{userdocs}"
Name: "{autodesktop}\{#AppNameZh}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppNameZh}}"; Flags: nowait postinstall skipifsilent

[Code]
const
  ConfigName = 'govdesk.toml';
  CaName = 'county-ca.pem';

var
  ServerUrl: String;
  CaFile: String;

function MachineConfigDir(): String;
begin
  Result := ExpandConstant('{commonappdata}\GovDesk');
end;

{ /SERVER=... and /CAFILE=... from the command line ('' when absent). }
function InitializeSetup(): Boolean;
begin
  Result := True;
  ServerUrl := Trim(ExpandConstant('{param:SERVER|}'));
  CaFile := Trim(ExpandConstant('{param:CAFILE|}'));
  if ServerUrl <> '' then
  begin
    if ((Pos('http://', Lowercase(ServerUrl)) <> 1) and (Pos('https://', Lowercase(ServerUrl)) <> 1))
       or (Pos('''', ServerUrl) > 0) or (Pos('"', ServerUrl) > 0) or (Pos(' ', ServerUrl) > 0) then
    begin
      Log('Invalid /SERVER: ' + ServerUrl);
      SuppressibleMsgBox(FmtMessage(CustomMessage('BadServer'), [ServerUrl]), mbCriticalError, MB_OK, IDOK);
      Result := False;
      Exit;
    end;
  end;
  if CaFile <> '' then
  begin
    CaFile := ExpandFileName(CaFile);
    if not FileExists(CaFile) then
    begin
      Log('Missing /CAFILE: ' + CaFile);
      SuppressibleMsgBox(FmtMessage(CustomMessage('BadCaFile'), [CaFile]), mbCriticalError, MB_OK, IDOK);
      Result := False;
      Exit;
    end;
  end;
end;

{ True when Line sets Key (an active TOML line, not a comment). }
function SetsKey(Line, Key: String): Boolean;
var
  S: String;
begin
  S := Trim(Line);
  Result := (Pos(Key, S) = 1) and (Length(S) > Length(Key)) and
            ((S[Length(Key) + 1] = '=') or (S[Length(Key) + 1] = ' '));
end;

{ Write server_url / ca_file into the machine config, keeping every other line. TOML
  literal strings ('...') so that Windows backslashes need no escaping. The file is
  UTF-8 without BOM, as the client reads it. }
procedure WriteMachineConfig();
var
  Path, CaTarget: String;
  Old, New: TArrayOfString;
  I, N: Integer;
begin
  Path := MachineConfigDir() + '\' + ConfigName;
  ForceDirectories(MachineConfigDir());
  if CaFile <> '' then
  begin
    CaTarget := MachineConfigDir() + '\' + CaName;
    if CompareText(CaFile, CaTarget) <> 0 then
      if not FileCopy(CaFile, CaTarget, False) then
        RaiseException(FmtMessage(CustomMessage('ConfigWriteFailed'), [CaTarget]));
    Log('County CA copied to ' + CaTarget);
  end;
  if not FileExists(Path) or not LoadStringsFromFile(Path, Old) then
    SetArrayLength(Old, 0);
  SetArrayLength(New, GetArrayLength(Old) + 3);
  N := 0;
  New[N] := '# 安装程序预置 / preset by GovDesk Setup';
  N := N + 1;
  if ServerUrl <> '' then
  begin
    New[N] := 'server_url = ''' + ServerUrl + '''';
    N := N + 1;
  end;
  if CaFile <> '' then
  begin
    New[N] := 'ca_file = ''' + CaTarget + '''';
    N := N + 1;
  end;
  for I := 0 to GetArrayLength(Old) - 1 do
  begin
    if (ServerUrl <> '') and SetsKey(Old[I], 'server_url') then Continue;
    if (CaFile <> '') and SetsKey(Old[I], 'ca_file') then Continue;
    if Trim(Old[I]) = '# 安装程序预置 / preset by GovDesk Setup' then Continue;
    New[N] := Old[I];
    N := N + 1;
  end;
  SetArrayLength(New, N);
  if not SaveStringsToUTF8FileWithoutBOM(Path, New, False) then
    RaiseException(FmtMessage(CustomMessage('ConfigWriteFailed'), [Path]));
  Log('Machine config written: ' + Path);
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if (CurStep = ssPostInstall) and ((ServerUrl <> '') or (CaFile <> '')) then
    WriteMachineConfig();
end;

{ /PURGE on the uninstaller's command line, or the person says yes when asked. }
function PurgeRequested(): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), '/PURGE') = 0 then
      Result := True;
  if not Result and not UninstallSilent then
    Result := MsgBox(CustomMessage('PurgeQuestion'), mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
  begin
    if PurgeRequested() then
    begin
      { Machine config, policy and county CA; then the uninstalling user's own data
        (%LOCALAPPDATA%\GovDesk: profiles, caches, logs, settings). Other accounts'
        data on this PC is theirs: see docs/deploy.md for removing it. }
      Log('Purging GovDesk configuration and user data');
      DelTree(MachineConfigDir(), True, True, True);
      DelTree(ExpandConstant('{localappdata}\GovDesk'), True, True, True);
    end
    else
      Log('Uninstall keeps the machine config and user data');
  end;
end;
