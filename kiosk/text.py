"""Bilingual text: every villager-facing string carries Chinese and English.

`yue` is an optional Cantonese wording for speech (spoken Cantonese differs from written
Chinese); where it is missing the Chinese text is read with the Cantonese voice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    zh: str
    en: str
    yue: str | None = None

    def __call__(self, language: str) -> str:
        if language == "en":
            return self.en
        if language == "yue" and self.yue:
            return self.yue
        return self.zh

    def format(self, **values: object) -> Text:
        return Text(
            self.zh.format(**values),
            self.en.format(**values),
            self.yue.format(**values) if self.yue else None,
        )

    def __add__(self, other: Text) -> Text:
        yue = (self.yue or self.zh) + (other.yue or other.zh) if self.yue or other.yue else None
        return Text(self.zh + other.zh, self.en + " " + other.en, yue)

    @staticmethod
    def join(parts: list[Text], zh_separator: str = "、", en_separator: str = ", ") -> Text:
        return Text(zh_separator.join(p.zh for p in parts), en_separator.join(p.en for p in parts))
