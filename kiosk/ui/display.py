"""Before Qt starts on Linux: is there a display, and are the system libraries Qt's display plugin needs installed?

Without them Qt stops with "Could not load the Qt platform plugin", which tells a new user nothing about what to
install. This check runs first and says it plainly: the one `apt-get install` line that fixes it, or, with no display
at all, how to run the kiosk. It reads the plugin's needs with `ldd`, so it never imports Qt (importing Qt would
itself fail on a machine without its libraries). Windows and macOS bring what Qt needs; the check does nothing there.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path

from kiosk.domain.errors import EnvironmentProblem

LDD_TIMEOUT_S = 30

# The Debian and Ubuntu package of every system library the Qt parts the kiosk loads need (QtWidgets, and the xcb,
# wayland and offscreen platform plugins with the xdg-shell integration). tests/ui/test_display.py checks this list
# against what `ldd` reports for the installed PySide6, so a new PySide6 that needs more cannot slip by.
DEBIAN_PACKAGES = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libOpenGL.so.0": "libopengl0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
    "libbsd.so.0": "libbsd0",
    "libc.so.6": "libc6",
    "libcap.so.2": "libcap2",
    "libdbus-1.so.3": "libdbus-1-3",
    "libdl.so.2": "libc6",
    "libexpat.so.1": "libexpat1",
    "libffi.so.8": "libffi8",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libgcc_s.so.1": "libgcc-s1",
    "libgcrypt.so.20": "libgcrypt20",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgpg-error.so.0": "libgpg-error0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "liblz4.so.1": "liblz4-1",
    "liblzma.so.5": "liblzma5",
    "libm.so.6": "libc6",
    "libmd.so.0": "libmd0",
    "libpcre2-8.so.0": "libpcre2-8-0",
    "libpng16.so.16": "libpng16-16",
    "libpthread.so.0": "libc6",
    "librt.so.1": "libc6",
    "libstdc++.so.6": "libstdc++6",
    "libsystemd.so.0": "libsystemd0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
}

PLATFORM_NAMES = {"xcb": "X11 (xcb)", "wayland": "Wayland", "offscreen": "offscreen"}

NO_DISPLAY = (
    "there is no display to show the kiosk on: neither DISPLAY nor WAYLAND_DISPLAY is set (a text console, an SSH "
    "session or a service without a screen). Run it in one of these ways:\n"
    "  - from a terminal in the desktop session on the PC's screen: python3 run.py kiosk\n"
    "  - on a PC with no desktop, full screen under the cage kiosk compositor:\n"
    "      sudo apt-get install cage\n"
    "      cage -- python3 run.py kiosk\n"
    "  - over SSH, on the screen of a desktop session running on the PC (as its user): "
    "DISPLAY=:0 python3 run.py kiosk"
)
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$")


def qt_folder() -> Path | None:
    """PySide6's folder, found without importing it."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def platform_for(environ: Mapping[str, str]) -> str | None:
    """The Qt platform plugin the kiosk will use: QT_QPA_PLATFORM when set, else Wayland when there is a Wayland
    display and no X11 one (under cage, whose session Qt would otherwise not recognise as Wayland), else X11 when
    there is a display; None when there is none at all."""
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() or None
    if environ.get("WAYLAND_DISPLAY") and (
        not environ.get("DISPLAY") or environ.get("XDG_SESSION_TYPE", "").lower() == "wayland"
    ):
        return "wayland"
    if environ.get("DISPLAY"):
        return "xcb"
    return None


def binaries_for(qt: Path, platform: str) -> list[Path]:
    """The files whose libraries must all load for the kiosk's window on `platform`."""
    plugins = qt / "Qt" / "plugins"
    found = [qt / f"QtWidgets{suffix}" for suffix in (".abi3.so",) if (qt / f"QtWidgets{suffix}").exists()]
    plugin = plugins / "platforms" / f"libq{platform}.so"
    if plugin.exists():
        found.append(plugin)
    if platform == "wayland":
        found.extend(sorted((plugins / "wayland-shell-integration").glob("libxdg-shell*.so")))
    return found


def missing_libraries(binaries: Iterable[Path], environ: Mapping[str, str] | None = None) -> list[str]:
    """The shared libraries the dynamic loader cannot find for `binaries` (and everything they load), by `ldd`."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    missing: set[str] = set()
    for binary in binaries:
        try:
            done = subprocess.run(
                [ldd, str(binary)],
                capture_output=True,
                text=True,
                timeout=LDD_TIMEOUT_S,
                check=False,
                env=None if environ is None else dict(environ),
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        for line in done.stdout.splitlines():
            matched = _NOT_FOUND.match(line)
            if matched:
                missing.add(matched.group(1))
    return sorted(missing)


def install_advice(missing: Iterable[str], *, has_apt: bool, as_root: bool) -> str:
    """What to run to install `missing` libraries: one apt-get line where there is apt."""
    missing = sorted(missing)
    known = sorted({DEBIAN_PACKAGES[name] for name in missing if name in DEBIAN_PACKAGES})
    unknown = [name for name in missing if name not in DEBIAN_PACKAGES]
    if not has_apt:
        return (
            "Install the packages of your distribution that provide them (for example: "
            f"dnf provides '*/{missing[0]}'), then start the kiosk again."
        )
    lines = []
    if known:
        lines.append(f"Install them with:\n  {'' if as_root else 'sudo '}apt-get install {' '.join(known)}")
    if unknown:
        lines.append(f"Find the package of {', '.join(unknown)} with: apt-file search {unknown[0]}")
    return "\n".join(lines)


def check_display(environ: MutableMapping[str, str], *, system: str = sys.platform) -> str | None:
    """Raise a plain-spoken EnvironmentProblem when the kiosk's window cannot open here; else the platform plugin
    Qt will use (QT_QPA_PLATFORM is set to it when Wayland was chosen for Qt). Nothing happens outside Linux."""
    if not system.startswith("linux"):
        return None
    platform = platform_for(environ)
    if platform is None:
        raise EnvironmentProblem(NO_DISPLAY)
    if platform == "wayland" and not environ.get("QT_QPA_PLATFORM"):
        environ["QT_QPA_PLATFORM"] = "wayland"
    qt = qt_folder()
    if qt is None:
        raise EnvironmentProblem("PySide6 is not installed in this Python; run python3 run.py kiosk, which installs it")
    plugins = qt / "Qt" / "plugins" / "platforms"
    if plugins.is_dir() and not (plugins / f"libq{platform}.so").exists():
        known = sorted(path.name.removeprefix("libq").removesuffix(".so") for path in plugins.glob("libq*.so"))
        raise EnvironmentProblem(
            f"QT_QPA_PLATFORM asks for the display plugin {platform!r}, which Qt does not have; it has "
            f"{', '.join(known)} (for a screen: unset QT_QPA_PLATFORM, or set it to xcb or wayland)"
        )
    missing = missing_libraries(binaries_for(qt, platform), environ)
    if missing:
        name = PLATFORM_NAMES.get(platform, platform)
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        advice = install_advice(missing, has_apt=shutil.which("apt-get") is not None, as_root=as_root)
        raise EnvironmentProblem(
            f"Qt cannot open its {name} display plugin: these system libraries are missing: {', '.join(missing)}.\n"
            f"{advice}"
        )
    return platform
