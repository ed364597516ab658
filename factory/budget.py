"""Teacher budgets: what a build will cost before it runs, and a ceiling while it runs.

- `PRICES`: USD per million prompt / completion tokens of common OpenAI models (list prices of
  late 2025; `--price-in` / `--price-out` override them, and give a price to any other model).
- `Budget(max_tokens, max_cost, prices)`: counts the tokens of fresh teacher calls (cache hits
  are free) and says when the next call would go past the ceiling. The teacher client asks it
  before each call; the generate stage stops the build cleanly when it is spent (in-flight
  calls finish and are cached, nothing after them is sent), so a rerun with a higher ceiling
  resumes from the cache without paying twice.
- `estimate(...)`: `factory build --dry-run`: the number of teacher calls and an estimate of
  tokens and cost, from the real seeds and the real prompts, without calling the teacher.
  Tokens are counted as characters / 4 (no tokenizer of the teacher here); completions are
  counted at the recipe's max_tokens, an upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from factory.errors import ConfigError, FactoryError

CHARS_PER_TOKEN = 4
PRICES = {  # model: (USD per 1M prompt tokens, USD per 1M completion tokens)
    "gpt-4": (30.00, 60.00),
    "gpt-4-turbo": (10.00, 30.00),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-3.5-turbo": (0.50, 1.50),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
}


class BudgetExhausted(FactoryError):
    """The build reached --max-tokens or --max-cost; what was done is kept."""


def price_of(
    model: str, price_in: float | None = None, price_out: float | None = None
) -> tuple[float, float] | None:
    """(USD per 1M prompt tokens, per 1M completion tokens) of a model, or None if unknown."""
    known = PRICES.get(model) or next(
        (
            p
            for name, p in sorted(PRICES.items(), key=lambda kv: -len(kv[0]))
            if model.startswith(name + "-")
        ),
        None,
    )  # dated versions
    if price_in is not None and price_out is not None:
        return price_in, price_out
    if known is None:
        return None
    return (price_in if price_in is not None else known[0]), (
        price_out if price_out is not None else known[1]
    )


def cost(prompt_tokens: int, completion_tokens: int, price: tuple[float, float]) -> float:
    return prompt_tokens / 1e6 * price[0] + completion_tokens / 1e6 * price[1]


@dataclass
class Budget:
    max_tokens: int | None = None
    max_cost: float | None = None
    price: tuple[float, float] | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    refused: int = field(default=0)  # calls not sent because the budget was spent

    def __post_init__(self) -> None:
        if self.max_cost is not None and self.price is None:
            raise ConfigError(
                "--max-cost needs the teacher's price: give --price-in and --price-out "
                "(USD per million tokens)"
            )

    @property
    def spent_cost(self) -> float:
        return cost(self.prompt_tokens, self.completion_tokens, self.price) if self.price else 0.0

    def spent(self) -> bool:
        tokens = self.prompt_tokens + self.completion_tokens
        return (self.max_tokens is not None and tokens >= self.max_tokens) or (
            self.max_cost is not None and self.spent_cost >= self.max_cost
        )

    def add(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens

    def summary(self) -> str:
        spent = f"{self.prompt_tokens + self.completion_tokens:,} tokens"
        if self.price:
            spent += f" (${self.spent_cost:.4f})"
        limits = []
        if self.max_tokens is not None:
            limits.append(f"--max-tokens {self.max_tokens:,}")
        if self.max_cost is not None:
            limits.append(f"--max-cost {self.max_cost:g}")
        return f"{spent} of {' and '.join(limits)}"


def estimate(rows: list[list[dict]], max_tokens: int, price: tuple[float, float] | None) -> dict:
    """From the messages of each teacher call: calls, prompt tokens (estimated), completion
    tokens (at most), and the cost when the price is known."""
    prompt = (
        sum(len(message["content"]) for messages in rows for message in messages) // CHARS_PER_TOKEN
    )
    completion = len(rows) * max_tokens
    result = {
        "teacher_calls": len(rows),
        "prompt_tokens": prompt,
        "completion_tokens_at_most": completion,
    }
    if price is not None:
        result["cost_usd_at_most"] = round(cost(prompt, completion, price), 4)
        result["price_per_million"] = {"prompt": price[0], "completion": price[1]}
    return result
