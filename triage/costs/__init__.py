"""Cost-benefit of whole household key working (GMCA method): data in cost_benefit/, the model,
sensitivity tests and reports. ``appraisal.appraise_cohort`` is the one call the CLI, API and web use."""
