"""Type stubs for the `retort` extension module (built from host-python/src)."""

import os
from typing import Any, Iterable, Iterator, Literal, Optional, Sequence, TypedDict, Union

from typing_extensions import Unpack

__version__: str

Source = Union[str, Sequence[str]]
"""Raw text (split by the bundle's tokenizer) or a list of tokens (taken as given)."""
Prefix = Union[str, Sequence[str], None]
"""A forced start of the output: space-separated target tokens, a list of tokens, or None."""
Model = Union[str, "os.PathLike[str]", bytes, bytearray, None]

class DecodingOptions(TypedDict, total=False):
    """The decoding options `translate_batch` and `translate_iterable` take as keywords
    (CTranslate2's names); one left out or None keeps the bundle's default."""

    beam_size: Optional[int]
    num_hypotheses: Optional[int]
    length_penalty: Union[Literal["none", "avg", "wu"], float, None]
    alpha: Optional[float]
    coverage_penalty: Union[Literal["none", "wu", "summary"], float, None]
    beta: Optional[float]
    min_decoding_length: Optional[int]
    max_decoding_length: Optional[int]
    no_repeat_ngram_size: Optional[int]
    replace_unknowns: Optional[bool]
    ban_unk_token: Optional[bool]
    sampling_topk: Optional[int]
    sampling_topp: Optional[float]
    sampling_temperature: Optional[float]
    seed: Optional[int]
    unknown_tokens: Optional[Literal["map", "refuse"]]
    return_scores: bool
    return_attention: bool

class TranslationResult:
    """The n-best predictions for one input, best first."""

    hypotheses: list[list[str]]
    texts: list[str]
    scores: list[float]
    attention: list[list[list[float]]]
    source_tokens: list[str]
    unknown_source_tokens: list[str]
    def __len__(self) -> int: ...

class TranslationIterator(Iterator[TranslationResult]):
    def __iter__(self) -> "TranslationIterator": ...
    def __next__(self) -> TranslationResult: ...

class Translator:
    def __init__(
        self,
        model: Model = None,
        compute_type: Literal["auto", "default", "float32", "f32", "int8", "int8_float32"] = "auto",
        intra_threads: int = 0,
    ) -> None: ...
    def translate_batch(
        self,
        source: Sequence[Source],
        target_prefix: Optional[Sequence[Prefix]] = None,
        *,
        max_batch_size: int = 0,
        **options: Unpack[DecodingOptions],
    ) -> list[TranslationResult]: ...
    def translate_iterable(
        self,
        source: Iterable[Source],
        target_prefix: Optional[Iterable[Prefix]] = None,
        *,
        max_batch_size: int = 32,
        **options: Unpack[DecodingOptions],
    ) -> TranslationIterator: ...
    def tokenize(self, text: str) -> list[str]: ...
    @property
    def default_options(self) -> dict[str, Any]: ...
    @property
    def compute_type(self) -> Literal["float32", "int8"]: ...
    @property
    def model_name(self) -> str: ...
    @property
    def task(self) -> Optional[str]: ...
    @property
    def max_source_tokens(self) -> int: ...

def inspect(model: Model = None) -> dict[str, Any]: ...
def import_model(
    src: Union[str, "os.PathLike[str]"],
    dst: Union[str, "os.PathLike[str]"],
    *,
    tokenizer: Optional[Literal["smiles", "char", "space"]] = None,
    storage: Literal["f32", "f16", "int8"] = "f32",
    name: Optional[str] = None,
    task: Optional[Literal["reaction_prediction", "retrosynthesis", "analogue_generation", "translation"]] = None,
    max_positions: Optional[int] = None,
    annalog_vocab: Union[str, "os.PathLike[str]", None] = None,
) -> dict[str, Any]: ...
