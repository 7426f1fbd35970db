"""Camera, face landmarks, liveness, face matching and enrolment; no Qt here, so everything runs headless."""
