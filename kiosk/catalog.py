"""The service catalog: services are data, validated before a kiosk ever runs them.

The format is JSON checked by pydantic models (the schema; `kiosk services schema` prints
it as JSON Schema) plus cross-checks the schema cannot express: unique ids, rules that
name known fields, a review step at the end. Every problem is reported with its place,
e.g. `services[3] (hotline_12345).steps[2].options: duplicate value 'road'`.

The active catalog on disk, and how a new one replaces it: kiosk/catalog_keeper.py.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetPydanticSchema,
    ValidationError,
    field_validator,
)
from pydantic.annotated_handlers import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from kiosk.pictograms import PICTOGRAM_NAMES
from kiosk.text import Text

ID_PATTERN = r"^[a-z][a-z0-9_]{0,47}$"
IDENTITY_FIELDS = ("identity.age", "identity.sex")
SHIPPED_CATALOG = "default_catalog.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextModel(_Strict):
    """A text in Chinese and English; `yue` is an optional spoken Cantonese wording."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    yue: str | None = None

    def text(self) -> Text:
        return Text(self.zh, self.en, self.yue)


class Condition(_Strict):
    """`field` is `identity.age`, `identity.sex` ("1" male, "2" female) or
    `answers.<field of an earlier step>`."""

    field: str = Field(pattern=r"^(identity|answers)\.[a-z][a-z0-9_]*$")
    op: Literal[">=", "<=", "==", "!=", "in", "not_in"]
    value: Any


class Rule(Condition):
    """An eligibility rule; `refusal` may use {eligible_from} for age rules."""

    refusal: TextModel


class Option(_Strict):
    value: str = Field(pattern=ID_PATTERN)
    label: TextModel


class StepBase(_Strict):
    """What every step has; a step kind's model adds `kind: Literal["<name>"]` and its own."""

    id: str = Field(pattern=ID_PATTERN)
    title: TextModel
    prompt: TextModel
    speech: TextModel = Field(description="What the kiosk says aloud on this step")
    show_if: Condition | None = None


class AnswerStep(StepBase):
    """A step whose answer is recorded under `field` and shown on the review."""

    field: str = Field(pattern=ID_PATTERN)
    summary_label: TextModel


class InfoStep(StepBase):
    kind: Literal["info"]
    lines: list[TextModel] = []


class IdentityConfirmStep(StepBase):
    kind: Literal["identity_confirm"]
    decline: TextModel


class ConfirmStep(AnswerStep):
    kind: Literal["confirm"]
    decline: TextModel


class YesNoStep(AnswerStep):
    kind: Literal["yes_no"]


class ChoiceStep(AnswerStep):
    kind: Literal["choice"]
    options: list[Option] = Field(min_length=2, max_length=8)


class KeypadStep(AnswerStep):
    kind: Literal["keypad"]
    format: Literal["mobile", "amount", "tracking_number"]
    min_value: int | None = Field(default=None, ge=0)
    max_value: int | None = Field(default=None, ge=0)


class DateStep(AnswerStep):
    kind: Literal["date"]
    first_day_offset: int = Field(default=1, ge=0, le=30)
    days: int = Field(default=6, ge=1, le=12)
    skip_weekends: bool = True


class PhrasesStep(AnswerStep):
    kind: Literal["phrases"]
    phrases: list[Option] = Field(min_length=2, max_length=12)
    min_selected: int = Field(default=1, ge=0)
    max_selected: int = Field(default=3, ge=1)


class ReviewStep(StepBase):
    kind: Literal["review"]


# The step union is built from this table, not written out, so a kind registered in
# kiosk/step_kinds.py (its one core place) is accepted here too. Seeded with the shipped
# kinds: a catalog must validate without the flow loaded (`kiosk services validate`), and
# the registry imports these models, so this module cannot import it (no cycles).
_STEP_MODELS: dict[str, type[StepBase]] = {}


def step_kind_of(model: type[StepBase]) -> str:
    """The kind a step model declares in its `kind: Literal["<name>"]` field."""
    field = model.model_fields.get("kind") if issubclass(model, StepBase) else None
    names = get_args(field.annotation) if field else ()
    if len(names) != 1:
        raise TypeError(f"{model.__name__} is not a step model with kind: Literal['<name>']")
    return names[0]


def step_models() -> dict[str, type[StepBase]]:
    """Every step kind the catalog accepts now and its model, shipped kinds first."""
    return dict(_STEP_MODELS)


def use_step_model(kind: str, model: type[StepBase] | None) -> None:
    """Accept steps of `kind` as `model` (None: no more); kiosk.step_kinds registers."""
    before = dict(_STEP_MODELS)
    if model is None:
        _STEP_MODELS.pop(kind, None)
    else:
        _STEP_MODELS[kind] = model
    try:
        _rebuild_models()
    except Exception:
        # A model pydantic cannot build leaves the catalog as it was, not half-changed.
        _STEP_MODELS.clear()
        _STEP_MODELS.update(before)
        _rebuild_models()
        raise


def _rebuild_models() -> None:
    # Validators are compiled with the class; inner first, CatalogModel reuses ServiceModel's.
    ServiceModel.model_rebuild(force=True)
    CatalogModel.model_rebuild(force=True)


def _step_union(_source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    # The tagged union `Field(discriminator="kind")` would make, from the table.
    choices = {kind: handler.generate_schema(m) for kind, m in _STEP_MODELS.items()}
    return core_schema.tagged_union_schema(choices, discriminator="kind")


_SHIPPED_STEPS = (InfoStep, IdentityConfirmStep, ConfirmStep, YesNoStep, ChoiceStep)
_SHIPPED_STEPS += (KeypadStep, DateStep, PhrasesStep, ReviewStep)
_STEP_MODELS.update((step_kind_of(model), model) for model in _SHIPPED_STEPS)
StepModel = Annotated[StepBase, GetPydanticSchema(_step_union)]


class ServiceModel(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: TextModel
    summary: TextModel = Field(description="One line under the title on the home screen")
    pictogram: str = Field(
        description="A bundled pictogram (kiosk/pictogram_svg/), shown beside the title"
    )
    action: Literal["submit", "status_lookup", "eligibility_check"] = "submit"
    eligibility: list[Rule] = []
    materials: list[TextModel] = Field(
        default=[], description="Everything to bring, told at once (一次性告知)"
    )
    next_steps: TextModel
    needs_card: Literal["any", "social_security"] = Field(
        "any",
        description="`social_security`: the service works on the social security card "
        "itself, so a villager who came with an ID card is told so before it starts",
    )
    steps: list[StepModel] = Field(min_length=1, max_length=12)

    @field_validator("pictogram")
    @classmethod
    def _known_pictogram(cls, name: str) -> str:
        if name not in PICTOGRAM_NAMES:
            known = ", ".join(sorted(PICTOGRAM_NAMES))
            raise ValueError(f"unknown pictogram '{name}' (bundled: {known})")
        return name


class PolicyModel(_Strict):
    """A benefit granted without applying (免申即享): shown when all rules hold."""

    id: str = Field(pattern=ID_PATTERN)
    title: TextModel
    benefit: TextModel
    rules: list[Condition] = Field(min_length=1)


class CatalogModel(_Strict):
    catalog_version: int = Field(ge=1)
    services: list[ServiceModel] = Field(min_length=1)
    policies: list[PolicyModel] = []


class CatalogError(ValueError):
    """A catalog that must not be used; `problems` each name their place."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _place(location: tuple, data: Any) -> str:
    """`services[3] (hotline_12345).steps[2].kind` from a pydantic error location."""
    parts: list[str] = []
    node = data
    for key in location:
        if isinstance(key, int):
            parts.append(f"[{key}]")
            try:
                node = node[key]
                if isinstance(node, dict) and isinstance(node.get("id"), str):
                    parts.append(f" ({node['id']})")
            except (IndexError, KeyError, TypeError):
                node = None
        else:
            parts.append(f".{key}" if parts else str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def parse_catalog(data: Any) -> CatalogModel:
    """Validate decoded JSON; raises CatalogError listing every problem with its place."""
    try:
        catalog = CatalogModel.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = _without_step_tags(item["loc"])
            problems.append(f"{_place(location, data)}: {item['msg']}")
        raise CatalogError(problems) from None
    problems = _cross_check(catalog)
    if problems:
        raise CatalogError(problems)
    return catalog


def _without_step_tags(loc: tuple) -> tuple:
    # The step union puts the kind right after `steps[i]`; only there (`phrases` is a field too).
    for i in range(len(loc) - 2):
        if loc[i] == "steps" and isinstance(loc[i + 1], int) and loc[i + 2] in _STEP_MODELS:
            return loc[: i + 2] + loc[i + 3 :]
    return loc


def _cross_check(catalog: CatalogModel) -> list[str]:
    problems: list[str] = []
    seen_services: set[str] = set()
    for s_index, service in enumerate(catalog.services):
        where = f"services[{s_index}] ({service.id})"
        if service.id in seen_services:
            problems.append(f"{where}.id: duplicate service id '{service.id}'")
        seen_services.add(service.id)
        fields_so_far: set[str] = set()
        all_fields = {s.field for s in service.steps if isinstance(s, AnswerStep)}
        seen_steps: set[str] = set()
        for t_index, step in enumerate(service.steps):
            at = f"{where}.steps[{t_index}] ({step.id})"
            if step.id in seen_steps or step.id == "materials":
                problems.append(f"{at}.id: duplicate step id '{step.id}'")
            seen_steps.add(step.id)
            if step.show_if is not None:
                problems += _check_field(step.show_if.field, fields_so_far, f"{at}.show_if")
            if isinstance(step, AnswerStep):
                if step.field in fields_so_far:
                    problems.append(f"{at}.field: '{step.field}' is already asked earlier")
                fields_so_far.add(step.field)
            for key in ("options", "phrases"):
                values = [o.value for o in getattr(step, key, [])]
                for value in {v for v in values if values.count(v) > 1}:
                    problems.append(f"{at}.{key}: duplicate value '{value}'")
            if isinstance(step, KeypadStep) and step.format == "amount":
                if step.min_value is None or step.max_value is None:
                    problems.append(f"{at}: an amount keypad needs min_value and max_value")
                elif step.min_value > step.max_value:
                    problems.append(f"{at}: min_value is above max_value")
            if isinstance(step, PhrasesStep) and step.min_selected > step.max_selected:
                problems.append(f"{at}: min_selected is above max_selected")
            if isinstance(step, ReviewStep) and t_index != len(service.steps) - 1:
                problems.append(f"{at}: the review step must be the last step")
        if not isinstance(service.steps[-1], ReviewStep):
            problems.append(f"{where}.steps: the last step must be a review step")
        for r_index, rule in enumerate(service.eligibility):
            problems += _check_field(rule.field, all_fields, f"{where}.eligibility[{r_index}]")
    seen_policies: set[str] = set()
    for p_index, policy in enumerate(catalog.policies):
        where = f"policies[{p_index}] ({policy.id})"
        if policy.id in seen_policies:
            problems.append(f"{where}.id: duplicate policy id '{policy.id}'")
        seen_policies.add(policy.id)
        for r_index, rule in enumerate(policy.rules):
            problems += _check_field(rule.field, set(), f"{where}.rules[{r_index}]")
    return problems


def _check_field(name: str, known_answers: set[str], where: str) -> list[str]:
    if name.startswith("identity."):
        if name not in IDENTITY_FIELDS:
            return [f"{where}.field: unknown field '{name}' (known: {', '.join(IDENTITY_FIELDS)})"]
        return []
    answer = name.removeprefix("answers.")
    if answer not in known_answers:
        return [f"{where}.field: rule names unknown field '{name}' (no earlier step asks it)"]
    return []


def load_catalog_file(path: Path) -> CatalogModel:
    """Read and validate a catalog file; CatalogError for anything wrong with it."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError([f"{path}: cannot read ({error.strerror or error})"]) from None
    except UnicodeDecodeError:
        raise CatalogError([f"{path}: not UTF-8 text"]) from None
    return parse_catalog_text(raw, str(path))


def parse_catalog_text(raw: str | bytes, name: str = "catalog") -> CatalogModel:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise CatalogError(
            [f"{name}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"]
        ) from None
    return parse_catalog(data)


def shipped_catalog_text() -> str:
    return resources.files("kiosk").joinpath(SHIPPED_CATALOG).read_text(encoding="utf-8")


def catalog_json_schema() -> dict:
    return CatalogModel.model_json_schema()
