"""The application layer, free of any UI: what the app, quick mode and the command line all call."""
