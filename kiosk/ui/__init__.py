"""Everything PySide6: windows, screens, widgets, and the workers that keep slow work off the GUI thread."""
