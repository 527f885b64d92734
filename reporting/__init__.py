"""Group-level compilation (ISU): aggregates, breakdowns and small-number suppression."""
