"""Facts about units: models, readers and the errors that locate bad input."""

from facts.errors import FactError, XiaoanError
from facts.models import Unit
from facts.readers import FactSet, UnitRecord, read_facts, read_facts_file
from facts.vocabulary import Level, UnitKind

__all__ = [
    "FactError",
    "FactSet",
    "Level",
    "Unit",
    "UnitKind",
    "UnitRecord",
    "XiaoanError",
    "read_facts",
    "read_facts_file",
]
