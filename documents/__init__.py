"""Everything printed: the follow-up document and the group report's PDF, archived as PDF/A."""
