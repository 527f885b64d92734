"""The app's screens: dashboard, case, interview, review, and the dialogs they open."""
