"""Modal dialogs, each a ModalScreen[T] whose result is typed: awaited with push_screen_wait in workers."""
