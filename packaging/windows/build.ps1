# Windows release: the same spec as Linux, Authenticode-signed, then smoke-tested, manifest-signed and packed by
# packaging\build.py, then wrapped in an Inno Setup installer that is signed too. Written for IT to run on a Windows
# build machine; it is not run by this project's tests (those build and test everything Linux).
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 -ReleaseKey C:\keys\release.key `
#       -CertificateThumbprint 0123ABCD... -Out C:\releases
#
# Needs: Python 3.11 or 3.12 (py launcher), the Windows SDK's signtool.exe, Inno Setup 6 (iscc.exe), the code-signing
# certificate in the certificate store (or a .pfx: -CertificateFile/-CertificatePassword), the face test photo
# (..\shared\faces or TIMECLOCK_FACES) for the frozen self-test.
param(
    [Parameter(Mandatory = $true)][string]$ReleaseKey,
    [Parameter(Mandatory = $true)][string]$Out,
    [string]$CertificateThumbprint,
    [string]$CertificateFile,
    [string]$CertificatePassword,
    [string]$TimestampUrl = "http://timestamp.digicert.com"
)
$ErrorActionPreference = "Stop"
$Root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $Root

function Invoke-Checked([string]$What, [scriptblock]$Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE)" }
}

function Invoke-Sign([string[]]$Files) {
    $arguments = @("sign", "/fd", "SHA256", "/tr", $TimestampUrl, "/td", "SHA256")
    if ($CertificateFile) { $arguments += @("/f", $CertificateFile, "/p", $CertificatePassword) }
    elseif ($CertificateThumbprint) { $arguments += @("/sha1", $CertificateThumbprint) }
    else { throw "give -CertificateThumbprint or -CertificateFile" }
    Invoke-Checked "signtool sign" { signtool.exe @arguments @Files }
    Invoke-Checked "signtool verify" { signtool.exe verify /pa /q @Files }
}

# 1. The environment and the pinned face-landmark model, as for every command.
Invoke-Checked "setting up the environment" { py run.py release-key --help | Out-Null }
$Python = Join-Path $Root ".venv\Scripts\python.exe"
$Work = Join-Path $env:TEMP ("timeclock-build-" + [guid]::NewGuid())

# 2. The one-folder build.
Invoke-Checked "PyInstaller" {
    & $Python -m PyInstaller --noconfirm --clean --distpath "$Work\dist" --workpath "$Work\build" packaging\timeclock-kiosk.spec
}
$Dist = Join-Path $Work "dist\timeclock-kiosk"

# 3. Authenticode before the manifest: the manifest must hold the signed bytes. Our own executable is signed; the
#    libraries of Qt, Python and the others keep their vendors' signatures.
Invoke-Sign @("$Dist\timeclock-kiosk.exe")

# 4. Frozen smoke test (selftest --frame, timesheet), Ed25519 manifest signature, archive, verification.
Invoke-Checked "packaging\build.py" { & $Python packaging\build.py --key $ReleaseKey --out $Out --dist $Dist }
$Archive = Get-ChildItem "$Out\timeclock-kiosk-*-windows-x86_64.tar.gz" | Sort-Object LastWriteTime | Select-Object -Last 1

# 5. The installer, from the verified archive's folder, signed as well.
$Staging = Join-Path $Work "release"
New-Item -ItemType Directory -Force $Staging | Out-Null
Invoke-Checked "tar" { tar.exe -xzf $Archive.FullName -C $Staging }
$Folder = Get-ChildItem $Staging | Select-Object -First 1
$Version = $Folder.Name -replace "^timeclock-kiosk-", ""
$PublicKey = [IO.Path]::ChangeExtension($ReleaseKey, ".pub")
Invoke-Checked "Inno Setup" {
    iscc.exe "/DAppVersion=$Version" "/DReleaseFolder=$($Folder.FullName)" "/DReleasePublicKey=$PublicKey" `
        "/O$Out" packaging\windows\timeclock-kiosk.iss
}
Invoke-Sign @("$Out\timeclock-kiosk-$Version-setup.exe")
Remove-Item -Recurse -Force $Work
Write-Output "built $($Archive.FullName) and $Out\timeclock-kiosk-$Version-setup.exe"
