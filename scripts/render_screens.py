"""Render every kiosk screen offscreen to PNG files for review: `python scripts/render_screens.py [--out DIR]`.

The kiosk is built by the composition root on a throwaway data folder with a small roster, then driven through its
screens the way a person would; each screen is saved at 1280x800 and at 1920x1080 (renders/ by default, which git
ignores).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keyring.backends import fail  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.app import DATA_FOLDER_ADVICE, DEMO_PIN, KioskApp, KioskOptions  # noqa: E402
from kiosk.domain.errors import RuleViolation  # noqa: E402
from kiosk.domain.incidents import ClockoutReason  # noqa: E402
from kiosk.domain.pay import DepartmentRules  # noqa: E402
from kiosk.domain.punches import IdentifiedBy, PunchKind  # noqa: E402
from kiosk.services.kiosk_setup import KioskSetup  # noqa: E402
from kiosk.store.database import Database  # noqa: E402
from kiosk.store.secrets import KEY_FILE_VARIABLE, SecretStore  # noqa: E402
from kiosk.ui.kiosk import Identity, Kiosk  # noqa: E402
from kiosk.ui.language import Language, translate  # noqa: E402
from kiosk.ui.problem import ProblemWindow  # noqa: E402
from kiosk.ui.problems import verdict_text  # noqa: E402
from kiosk.ui.sound import SoundPlayer  # noqa: E402
from kiosk.ui.vision_process import NO_MATCH, Verdict  # noqa: E402
from kiosk.vision.liveness import ChallengeStep  # noqa: E402
from tests.conftest import MemoryKeyring  # noqa: E402
from tests.support import ManualTimeSource  # noqa: E402
from tests.ui.conftest import SUPERVISOR_PIN, set_up_kiosk  # noqa: E402

SIZES = ((1280, 800), (1920, 1080))


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the kiosk did not reach the expected screen")
        QApplication.processEvents()
        time.sleep(0.005)


class Renderer:
    def __init__(self, kiosk: Kiosk, out: Path, size: tuple[int, int]) -> None:
        self.kiosk = kiosk
        self.out = out
        self.size = size
        self.count = 0
        self.too_big: list[str] = []

    def save(self, name: str) -> None:
        QApplication.processEvents()
        self.count += 1
        path = self.out / f"{self.size[0]}x{self.size[1]}" / f"{self.count:02d}-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        picture = self.kiosk.window.grab()
        picture.save(str(path))
        if (picture.width(), picture.height()) != self.size:
            print(
                f"{path}: the screen needs {picture.width()}x{picture.height()}, more than the window", file=sys.stderr
            )
            self.too_big.append(path.name)
        print(path)


def walk(kiosk: Kiosk, time_source: ManualTimeSource, render: Renderer) -> None:
    """Bring up every screen once."""
    window = kiosk.window
    wait_until(lambda: window.current is kiosk.idle)
    render.save("idle")
    maria = Identity("E1", IdentifiedBy.FACE, 0.31, True)
    kiosk.identified(maria)
    wait_until(lambda: window.current is kiosk.greet)
    render.save("greet-off")
    kiosk.punch((PunchKind.CLOCK_IN, None))
    wait_until(lambda: window.current is kiosk.confirm)
    render.save("confirm-clock-in")
    kiosk.identified(maria)
    wait_until(lambda: window.current is kiosk.greet and kiosk.greet.hello.text() != "")
    render.save("greet-on-shift")
    kiosk.punch((PunchKind.CLOCK_IN, None))
    wait_until(lambda: window.current is kiosk.confirm)
    time_source.advance(seconds=10)
    kiosk.identified(maria)
    wait_until(lambda: window.current is kiosk.greet)
    kiosk.greet.show_employee("Maria Santos", "", ((PunchKind.CLOCK_IN, None),), False)
    time_source.advance(seconds=-10)
    kiosk.not_identified(
        translate("NoticeScreen", "We could not recognise you"),
        verdict_text(Verdict(None, None, True, (), "not_recognised", NO_MATCH, "Move closer to the camera.")),
    )
    render.save("not-recognised")
    time_source.advance(hours=20)
    kiosk.identified(maria)
    wait_until(lambda: window.current is kiosk.claim)
    walk_claim(kiosk, render)
    kiosk.claim.submit.click()
    wait_until(lambda: window.current is kiosk.confirm)
    render.save("confirm-claim")
    services = kiosk.services
    assert services is not None
    services.roster.set_pin("E2", "4321", changed_by="render")
    services.roster.set_pin("E3", "8765", changed_by="render")
    kiosk.punch_with_pin()
    wait_until(lambda: window.current is kiosk.names)
    render.save("pin-punch-names")
    kiosk.names.keyboard.type_text("re")
    render.save("pin-punch-names-search")
    kiosk.names.pick("E2")
    kiosk.employee_pin.keypad.type_digits("43")
    render.save("pin-punch-pin")
    kiosk.go_idle()
    walk_supervisor(kiosk, render)


def walk_claim(kiosk: Kiosk, render: Renderer) -> None:
    """The claim, its note page with the keyboard, and a problem message over it."""
    kiosk.claim.choose(ClockoutReason.FORGOT)
    render.save("missed-clock-out-claim")
    kiosk.claim.edit_note()
    kiosk.claim.keyboard.type_text("Left with the crane crew")
    render.save("missed-clock-out-claim-note")
    kiosk.claim.close_note()
    kiosk.window.messenger.report(RuleViolation("claim_in_future", "the clock-out time cannot be in the future"))
    render.save("missed-clock-out-claim-problem")
    kiosk.window.message_bar.clear()


def walk_employee_forms(kiosk: Kiosk, render: Renderer) -> None:
    """The employees, one of them, changing them (with a refused value) and adding one."""
    window, admin = kiosk.window, kiosk.admin
    admin.show_employees()
    wait_until(lambda: window.current is admin.employees)
    render.save("employees")
    admin.employees.pick("E1")
    wait_until(lambda: window.current is admin.employee)
    render.save("employee")
    admin.employee.edit_button.click()
    wait_until(lambda: window.current is admin.employee_form)
    render.save("employee-change")
    admin.employee_form.number.setText("E 1")
    admin.employee_form.save_button.click()
    wait_until(lambda: bool(admin.employee_form.error.text))
    render.save("employee-change-refused")
    admin.show_new_employee()
    wait_until(lambda: window.current is admin.employee_form and not admin.employee_form.number.text())
    render.save("employee-add")


def walk_supervisor(kiosk: Kiosk, render: Renderer) -> None:
    """The supervisor's screens."""
    window = kiosk.window
    admin = kiosk.admin
    admin.ask_pin()
    render.save("supervisor-pin")
    admin.pin.keypad.type_digits(SUPERVISOR_PIN)
    admin.pin.keypad.press("OK")
    wait_until(lambda: window.current is admin.home and admin.home.banner.isVisible())
    render.save("supervisor-home")
    admin.show_incidents()
    wait_until(lambda: window.current is admin.incidents)
    render.save("incidents")
    admin.incidents.list.itemClicked.emit(admin.incidents.list.item(0))
    wait_until(lambda: window.current is admin.detail)
    render.save("incident-detail")
    admin.show_on_site()
    wait_until(lambda: window.current is admin.on_site)
    render.save("on-site")
    admin.show_today()
    wait_until(lambda: window.current is admin.today)
    render.save("todays-punches")
    walk_employee_forms(kiosk, render)
    admin.show_export()
    wait_until(lambda: window.current is admin.export)
    render.save("timesheet-export")
    admin.show_settings()
    wait_until(lambda: window.current is admin.settings)
    render.save("settings")
    save_exit_confirmation(kiosk, render)
    services = kiosk.services
    assert services is not None
    services.roster.save_department(DepartmentRules(name="ENGINEER SA SITE", undertime=True), changed_by="render")
    services.roster.save_department(DepartmentRules(name="Office"), changed_by="render")
    admin.show_departments()
    wait_until(lambda: window.current is admin.departments)
    render.save("departments")
    admin.departments.pick("ENGINEER SA SITE")
    render.save("department-rules")
    kiosk.go_idle()
    admin.ask_pin()
    for _ in range(5):
        admin.pin.keypad.type_digits("000000")
        admin.pin.keypad.press("OK")
        wait_until(lambda: admin.pin.keypad.buttons["OK"].isEnabled() or admin.locked)
    wait_until(lambda: admin.locked)
    render.save("supervisor-pin-locked")


def save_exit_confirmation(kiosk: Kiosk, render: Renderer) -> None:
    """ "Exit the kiosk" asks first."""
    kiosk.admin.ask_exit()
    render.save("exit-confirmation")


def walk_camera(app: KioskApp, render: Renderer) -> None:
    """The idle screen with the live preview, the liveness prompt, and the verdict, from a video file."""
    kiosk, vision = render.kiosk, app.vision
    assert vision is not None
    wait_until(lambda: kiosk.idle.camera.frames_painted > 5 and kiosk.idle.progress.isVisible(), 30)
    render.save("idle-camera-liveness")
    wait_until(lambda: kiosk.window.current is kiosk.notice, 30)
    render.save("camera-verdict")
    admin = kiosk.admin
    admin.ask_pin()
    admin.pin.keypad.type_digits(SUPERVISOR_PIN)
    admin.pin.keypad.press("OK")
    wait_until(lambda: kiosk.window.current is admin.home)
    admin.show_employees()
    wait_until(lambda: kiosk.window.current is admin.employees)
    admin.employees.pick("E3")
    wait_until(lambda: kiosk.window.current is admin.employee)
    admin.employee.enrol_button.click()
    render.save("enrol-consent")
    admin.consent.agree.click()
    wait_until(lambda: admin.capture.camera.frames_painted > 5 and admin.capture.progress.value() > 0, 60)
    render.save("enrol-capture")
    admin.capture.cancel.click()
    kiosk.go_idle()
    vision.hold()  # the rest of the walk drives the screens directly
    vision.close()
    kiosk.go_idle()


def render_setup(out: Path, size: tuple[int, int], language: Language) -> None:
    with tempfile.TemporaryDirectory() as folder:
        options = KioskOptions(data_dir=Path(folder), no_camera=True)
        app = KioskApp(options, keyring_backend=MemoryKeyring(), sounds=SoundPlayer(False))
        kiosk = app.build()
        kiosk.use_language(language)  # as the language button of the set-up screen does
        show(kiosk, size)
        renderer = Renderer(kiosk, out, size)
        renderer.save("first-start-set-up")
        kiosk.setup_screen.fill("Power On Enterprise", "Main gate", "Asia/Manila", SUPERVISOR_PIN)
        kiosk.setup_screen.save.click()
        wait_until(lambda: kiosk.window.current is kiosk.admin.employee_form)
        renderer.count = 50  # after the walk's screens
        renderer.save("first-start-first-employee")
        kiosk.window.allow_exit()
        kiosk.window.close()
        app.close()


def render_file_secrets(out: Path, size: tuple[int, int], language: Language) -> None:
    """The settings of a kiosk with no keyring and no sealed key: they say secrets rest on file permissions only."""
    with tempfile.TemporaryDirectory() as folder:
        # The key file goes to the throwaway folder's side, never to the user's own configuration folder.
        previous = os.environ.get(KEY_FILE_VARIABLE)
        os.environ[KEY_FILE_VARIABLE] = str(Path(folder) / "key" / "secrets.key")
        try:
            options = KioskOptions(data_dir=Path(folder) / "data", no_camera=True, demo=True)
            app = KioskApp(options, keyring_backend=fail.Keyring(), sounds=SoundPlayer(False))
            kiosk = app.build()
            kiosk.use_language(language)
            show(kiosk, size)
            renderer = Renderer(kiosk, out, size)
            renderer.count = 90
            admin = kiosk.admin
            admin.ask_pin()
            admin.pin.keypad.type_digits(DEMO_PIN)
            admin.pin.keypad.press("OK")
            wait_until(lambda: kiosk.window.current is admin.home)
            admin.show_settings()
            wait_until(lambda: kiosk.window.current is admin.settings)
            renderer.save("settings-secrets-file-permissions-only")
            kiosk.window.allow_exit()
            kiosk.window.close()
            app.close()
        finally:
            if previous is None:
                os.environ.pop(KEY_FILE_VARIABLE, None)
            else:
                os.environ[KEY_FILE_VARIABLE] = previous


def render_problem(out: Path, size: tuple[int, int]) -> None:
    """The window shown instead of the kiosk when its data folder cannot be written."""
    folder = Path("/var/lib/timeclock-kiosk")
    window = ProblemWindow("The kiosk cannot start", DATA_FOLDER_ADVICE, lambda: "still read-only")
    window.show_problem(f"The data folder {folder} cannot be used: nothing can be written in {folder} "
                        "(Read-only file system).")  # fmt: skip
    window.resize(*size)
    window.apply_style(size[1])
    window.show()
    QApplication.processEvents()
    path = out / f"{size[0]}x{size[1]}" / "00-data-folder-problem.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(path))
    print(path)
    window.close()


def use_language(folder: Path, keyring: MemoryKeyring, time_source: ManualTimeSource, language: Language) -> None:
    """Make `language` the kiosk's own (the supervisor's setting), so that it stays through the walk."""
    database = Database(folder / "kiosk.db")
    try:
        KioskSetup(database, SecretStore(keyring), time_source).update_settings("render", language=language.value)
    finally:
        database.close()


def show(kiosk: Kiosk, size: tuple[int, int]) -> None:
    kiosk.window.resize(*size)
    kiosk.window.apply_style(size[1])
    kiosk.window.show()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "renders")
    parser.add_argument("--camera", type=Path, help="a video file to show the camera screens with (else no camera)")
    parser.add_argument(
        "--language",
        choices=[language.value for language in Language],
        default=Language.ENGLISH.value,
        help="the kiosk's language (other than English, the pictures go to a folder of its code: renders/fil/...)",
    )
    args = parser.parse_args()
    language = Language(args.language)
    out = args.out if language is Language.ENGLISH else args.out / language.value
    application = QApplication.instance() or QApplication([])
    for size in SIZES:
        render_setup(out, size, language)
        render_file_secrets(out, size, language)
        render_problem(out, size)
        with tempfile.TemporaryDirectory() as folder:
            keyring, time_source = MemoryKeyring(), ManualTimeSource()
            set_up_kiosk(Path(folder), keyring, time_source)
            use_language(Path(folder), keyring, time_source, language)
            app = KioskApp(
                KioskOptions(
                    data_dir=Path(folder), camera=str(args.camera) if args.camera else None, no_camera=not args.camera
                ),
                keyring_backend=keyring,
                time_source=time_source,
                sounds=SoundPlayer(False),
                challenge=(ChallengeStep.BLINK, ChallengeStep.TURN_LEFT),
            )
            kiosk = app.build()
            show(kiosk, size)
            renderer = Renderer(kiosk, out, size)
            renderer.count = 1
            if args.camera:
                walk_camera(app, renderer)
            walk(kiosk, time_source, renderer)
            kiosk.window.allow_exit()
            kiosk.window.close()
            app.close()
    del application
    return 0


if __name__ == "__main__":
    sys.exit(main())
