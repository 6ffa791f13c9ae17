"""The concept lexicon: how words are matched, that the shipped lexicon is complete, and that the
Rasa featurizer stores the lexicon with the model and marks the right tokens."""
from pathlib import Path

import pytest
import yaml

from actions.playbook import LANGUAGES
from nlu_components.concepts import MIN_STEM, ConceptLexicon

ROOT = Path(__file__).resolve().parent.parent
LEXICON = ROOT / "lexicon" / "concepts.yml"

SAMPLE = {
    "refund": {"en": ["refund", "money back"], "ru": ["возврат", "вернут"], "ro": ["inlocui"],
               "et": ["tagasta"], "ar": ["استرجاع"]},
    "appearance": {"en": ["uniform", "apron"], "ru": ["униформ"], "ro": ["uniform"],
                   "et": ["vormiriiet"], "ar": ["زي"]},
}


def concepts_of(lexicon: ConceptLexicon, text: str) -> list:
    """The concept names found anywhere in a whitespace-tokenised text."""
    return sorted({lexicon.names[i] for hits in lexicon.match(text.split()) for i in hits})


@pytest.fixture(scope="module")
def sample() -> ConceptLexicon:
    return ConceptLexicon.from_mapping(SAMPLE)


@pytest.mark.parametrize("text, expected", [
    ("she wants a refund", ["refund"]),
    ("refunds without receipt", ["refund"]),            # a stem covers inflections
    ("can I give her the money back today", ["refund"]),  # multi-word entry
    ("money is tight", []),                                # half of a multi-word entry is not enough
    ("клиент хочет вернуть товар", ["refund"]),
    ("возврата не будет", ["refund"]),
    ("pot să înlocuiesc produsul", ["refund"]),           # ro with diacritics, entry without
    ("my apron is stained", ["appearance"]),
    ("Униформа грязная", ["appearance"]),                  # case folded
    ("والاسترجاع ممكن؟", ["refund"]),                       # Arabic clitics peeled off
    ("refund and uniform", ["appearance", "refund"]),
])
def test_matching(sample: ConceptLexicon, text: str, expected: list) -> None:
    assert concepts_of(sample, text) == expected


def test_stems_shorter_than_the_minimum_are_ignored() -> None:
    lexicon = ConceptLexicon.from_mapping({"x": {"en": ["ab", "abc"]}})
    assert concepts_of(lexicon, "ab") == []
    assert concepts_of(lexicon, "abcd") == ["x"]


def test_marks_each_token_of_a_multi_word_entry(sample: ConceptLexicon) -> None:
    assert sample.match("the money back now".split()) == [set(), {0}, {0}, set()]


def test_stored_form_round_trips(sample: ConceptLexicon) -> None:
    restored = ConceptLexicon.from_stored(sample.to_stored())
    for text in ("refund", "униформа", "money back", "استرجاع"):
        assert restored.match(text.split()) == sample.match(text.split())


def test_shipped_lexicon_covers_every_language() -> None:
    concepts = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))["concepts"]
    assert len(concepts) >= 40
    for name, entry in concepts.items():
        for language in LANGUAGES:
            stems = entry.get(language) or []
            assert len(stems) >= 3, (name, language)
            assert all(len(str(stem).split()[0]) >= MIN_STEM for stem in stems), (name, language)


def test_featurizer_stores_the_lexicon_with_the_model(tmp_path: Path) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from nlu_components.concept_featurizer import ConceptFeaturizer

    lexicon_file = tmp_path / "concepts.yml"
    lexicon_file.write_text(yaml.safe_dump({"concepts": SAMPLE}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config = {**ConceptFeaturizer.get_default_config(), "lexicon": str(lexicon_file)}
    (tmp_path / "model").mkdir()
    storage = LocalModelStorage(tmp_path / "model")
    resource = Resource("concepts")
    context = ExecutionContext(GraphSchema({}), node_name="concepts")
    ConceptFeaturizer.create(config, storage, resource, context).train(TrainingData())
    lexicon_file.unlink()  # the trained model must not need the file any more

    featurizer = ConceptFeaturizer.load(config, storage, resource, context)
    message = Message(data={"text": "the apron needs a refund"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    sequence, sentence = message.get_sparse_features("text")
    assert sequence.features.toarray().tolist() == [[0, 0], [0, 1], [0, 0], [0, 0], [1, 0]]
    assert sentence.features.toarray().tolist() == [[1, 1]]
