"""Choose the talks a build publishes, put them in feed order, and lay out the views."""
