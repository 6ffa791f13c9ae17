"""Custom actions of ServiceCoach.

`rasa run actions` imports this package and every submodule; the Action classes live in
`actions.actions`, the plain functions they call in the other modules (testable without Rasa).
"""
