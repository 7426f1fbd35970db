"""What the lower layers report, in the kiosk's languages.

Services and vision stay free of Qt and speak English: a `RuleViolation` carries a stable code (and the values its
message names), a liveness failure its reason codes, a quality gate its advice. Here those codes become translatable
sentences. In English the service's own sentence is shown (it is often more precise, naming the employee or the value);
in another language the sentence for the code is, and a code without one falls back to the English sentence rather
than to nothing.
"""

from __future__ import annotations

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.ui.language import Later, Shown, Text, speaks_source_language, translate
from kiosk.ui.vision_process import NO_FACES_ENROLLED, Verdict

# Codes a person at the kiosk can meet (employee screens, set-up, supervisor mode), with their sentence.
PROBLEMS: dict[str, Text] = {
    "not_set_up": translate("Problems", "This kiosk is not set up yet."),
    "already_set_up": translate("Problems", "This kiosk is already set up."),
    "pin_mismatch": translate("Problems", "The two PIN entries differ."),
    "pin_format": translate("Problems", "The PIN must be {shortest} to {longest} digits."),
    "wrong_pin": translate("Problems", "The supervisor PIN is not right."),
    "no_pin": translate("Problems", "This employee has no PIN; a supervisor can set one."),
    "pin_punching_off": translate("Problems", "PIN punching is turned off for this company; please use the camera."),
    "pin_from_elsewhere": translate(
        "Problems",
        "This PIN was set at another kiosk before it joined the company; type it there once, or ask a supervisor "
        "to set it again.",
    ),
    "company_name_missing": translate("Problems", "The company needs a name."),
    "site_name_missing": translate("Problems", "The site needs a name."),
    "kiosk_name_missing": translate("Problems", "This kiosk needs a name."),
    "unknown_time_zone": translate("Problems", "That is not a time zone name such as Asia/Manila."),
    "unknown_employee": translate("Problems", "This employee is not on the roster of this kiosk."),
    "inactive_employee": translate("Problems", "This employee is no longer active."),
    "already_clocked_in": translate("Problems", "You are already clocked in."),
    "not_clocked_in": translate("Problems", "You are not clocked in; clock in first."),
    "already_on_break": translate("Problems", "You are already on a break; end it first."),
    "not_on_break": translate("Problems", "You are not on a break, so there is none to end."),
    "break_type_missing": translate("Problems", "Choose the kind of break: lunch, rest or other."),
    "session_open": translate("Problems", "The session is still open; say until when to count it."),
    "no_open_session": translate("Problems", "There is no open session to explain."),
    "claim_in_future": translate("Problems", "The clock-out time cannot be in the future."),
    "claim_before_clock_in": translate("Problems", "The clock-out time cannot be before the clock-in."),
    "end_before_start": translate("Problems", "A session cannot end before it starts."),
    "already_claimed": translate("Problems", "A claim was already sent for this missed clock-out."),
    "note_too_long": translate("Problems", "The note is too long."),
    "unknown_incident": translate("Problems", "This missed clock-out is no longer on this kiosk."),
    "incident_resolved": translate("Problems", "This missed clock-out was already resolved."),
    "incident_unresolved": translate("Problems", "This missed clock-out has not been resolved yet."),
    "override_time_missing": translate("Problems", "Rejecting a claim needs the clock-out time to use."),
    "nothing_to_approve": translate(
        "Problems", "The employee has not claimed a time yet; reject with the time you set instead."
    ),
    "admin_notes_required": translate("Problems", "The notes are required to reject a claim."),
    "admin_notes_too_long": translate("Problems", "The notes are too long."),
    "period_invalid": translate("Problems", "The period starts after it ends; swap the dates."),
    "reports_blocked": translate(
        "Problems", "Timesheets are held back while missed clock-outs wait for review. Resolve them first."
    ),
    "no_consent": translate("Problems", "The employee has not agreed to face recognition."),
    "no_samples": translate("Problems", "No face sample was taken."),
    "no_frontal_sample": translate("Problems", "A sample looking straight at the camera is needed."),
    "mixed_faces": translate("Problems", "The samples do not all show the same person. Start again."),
    "face_enrolled_elsewhere": translate("Problems", "This face is already enrolled for another employee."),
    "employee_number_invalid": translate(
        "Problems", "The employee number must be 1 to 64 letters, digits, '-', '_' or '.'."
    ),
    "employee_number_taken": translate("Problems", "Another employee already has this employee number."),
    "first_name_missing": translate("Problems", "The first name is required."),
    "last_name_missing": translate("Problems", "The last name is required."),
    "first_name_too_long": translate("Problems", "The first name is too long."),
    "last_name_too_long": translate("Problems", "The last name is too long."),
    "rate_invalid": translate("Problems", "The daily rate must be an amount from 0 to 1,000,000, such as 812.50."),
    "unknown_department": translate("Problems", "That department is not on this kiosk."),
    "department_inactive": translate("Problems", "That department is switched off."),
    "managed_by_head_office": translate("Problems", "Head office manages this; ask them to make the change."),
    "no_period": translate("Problems", "Choose the days to export."),
    "rule_invalid": translate("Problems", "These department rules do not fit together."),
    "setting_invalid": translate("Problems", "That setting cannot be saved."),
}

# Sentences of the environment a person can meet, by the start of the English sentence.
ENVIRONMENT = translate("Problems", "A problem outside the kiosk program: {detail}")

# Liveness reason codes (kiosk.vision.liveness), in words for the person in front of the camera.
LIVENESS_REASONS: dict[str, Text] = {
    "no_face": translate("Liveness", "No face was seen. Stand in front of the camera."),
    "face_lost": translate("Liveness", "Your face was not seen long enough. Stay in front of the camera."),
    "frozen_image": translate("Liveness", "The picture did not change, like a photo. Look at the camera yourself."),
    "no_blink": translate("Liveness", "No blink was seen, like a photo. Look at the camera yourself."),
    "flat_motion": translate("Liveness", "The face moved like a flat picture. Look at the camera yourself."),
    "pose_without_parallax": translate(
        "Liveness", "The head turned without depth, like a picture. Look at the camera yourself."
    ),
    "screen_moire": translate("Liveness", "A screen was seen in front of the camera. Look at the camera yourself."),
    "frame_around_face": translate(
        "Liveness", "Straight edges were seen around the face, like a screen or a photo. Look at the camera yourself."
    ),
    "challenge_timeout": translate("Liveness", "A step was not done in time. Follow the sign on the screen."),
    "challenge_incomplete": translate("Liveness", "The attempt ended before every step was done."),
    "presentation_attack": translate("Liveness", "This looks like a picture or a screen. Look at the camera yourself."),
    "passive_uncertain": translate(
        "Liveness", "A live face could not be confirmed. Look straight at the camera and try again."
    ),
    "passive_incomplete": translate("Liveness", "The attempt ended before your face could be checked."),
}

# Advice of the quality gates and the enrolment poses (kiosk.vision.quality, kiosk.services.enrolment), by its
# English sentence, which is what travels from the vision process.
ADVICE: dict[str, Text] = {
    "Move closer to the camera.": translate("Advice", "Move closer to the camera."),
    "Center your face in the picture.": translate("Advice", "Center your face in the picture."),
    "More light is needed on your face.": translate("Advice", "More light is needed on your face."),
    "Too much light: step out of the glare.": translate("Advice", "Too much light: step out of the glare."),
    "Hold still for a moment.": translate("Advice", "Hold still for a moment."),
    "Look straight at the camera.": translate("Advice", "Look straight at the camera."),
    "Turn your head a little to your left.": translate("Advice", "Turn your head a little to your left."),
    "Turn your head a little to your right.": translate("Advice", "Turn your head a little to your right."),
    "Hold still": translate("Advice", "Hold still"),
    "Checking who you are\u2026": translate("IdleScreen", "Checking who you are\u2026"),
}


def sentence(text: str) -> str:
    """A message as a sentence: capital first letter, full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def rule_text(error: RuleViolation) -> Shown:
    """The sentence for a rule violation: the service's own in English, the code's in another language."""
    english = sentence(error.message)
    known = PROBLEMS.get(error.code)
    if known is None:
        return english
    try:
        known.format(**error.details).source.format(**error.details)
    except (KeyError, IndexError):
        return english  # the code's sentence names a value this raise did not give
    return _in_english_or(english, known.format(**error.details))


def environment_text(error: EnvironmentProblem) -> Shown:
    english = sentence(str(error))
    return _in_english_or(english, ENVIRONMENT.format(detail=english))


def advice_text(text: str) -> Shown:
    """A quality gate's or an enrolment pose's advice in the current language (unknown advice as it came)."""
    return ADVICE.get(text, text)


def _in_english_or(english: str, local: Shown) -> Later:
    """The lower layer's own English sentence while the kiosk speaks English, else `local`."""
    return Later(lambda: english if speaks_source_language() else str(local))


def verdict_text(verdict: Verdict) -> Shown:
    """Why an attempt at the camera did not identify anyone, for the notice screen."""
    local: Shown
    if verdict.code == "liveness_failed":
        reason = LIVENESS_REASONS.get(verdict.reasons[0]) if verdict.reasons else None
        local = reason or translate("Liveness", "Please try again.")
    elif verdict.message == NO_FACES_ENROLLED:
        local = translate("NoticeScreen", "No faces are enrolled on this kiosk.")
    else:
        local = translate("NoticeScreen", "Your face did not match anyone enrolled on this kiosk.")
        if verdict.advice:
            advice = advice_text(verdict.advice)
            local = translate("NoticeScreen", "{problem} {advice}").format(problem=local, advice=advice)
    return _in_english_or(verdict.message or "Please try again.", local)
