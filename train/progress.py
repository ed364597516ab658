"""What the trainer shows while it runs and says when it is done, instead of raw log dicts.

`BarCallback` is a transformers `TrainerCallback` that draws one rich progress bar on stderr:
step / total, the last logged loss (and eval loss), elapsed time and ETA; where stderr is not a
terminal (a log file, CI), where a bar would show only at the end, one plain line per logged step
instead. It replaces the
Trainer's `PrinterCallback` (which prints each log dict) when tqdm is off. `what_ran()` is what
really ran: steps, the epochs those steps make (steps x batch / records), records seen.
`summary_line()` is the short readable summary the CLI and the script print. It does not
change training in any way.
"""

from __future__ import annotations

import math
import time

from transformers import TrainerCallback


class BarCallback(TrainerCallback):
    def __init__(self, console=None):
        self.console, self.progress, self.task = console, None, None
        self.loss = self.eval_loss = None
        self.started = None

    def on_train_begin(self, args, state, control, **kwargs):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("train"),
            BarColumn(),
            TextColumn("step"),
            MofNCompleteColumn(),
            TextColumn("{task.fields[loss]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console or Console(stderr=True),
        )
        self.started = time.monotonic()
        self.progress.start()
        self.task = self.progress.add_task(
            "train", total=state.max_steps or None, completed=state.global_step, loss="loss -"
        )

    def on_step_end(self, args, state, control, **kwargs):
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step, loss=self._losses())

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        self.loss = logs.get("loss", self.loss)
        self.eval_loss = logs.get("eval_loss", self.eval_loss)
        if self.progress is not None:
            self.progress.update(self.task, loss=self._losses())
            if not self.progress.console.is_terminal and ("loss" in logs or "eval_loss" in logs):
                self.progress.console.print(self._line(state), highlight=False, soft_wrap=True)

    def on_train_end(self, args, state, control, **kwargs):
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step, loss=self._losses())
            self.progress.stop()
            self.progress = None

    def _line(self, state) -> str:
        """`train step 40/206 loss 1.234 4m10s, 17m20s left`: the bar's content as a log line."""
        elapsed = time.monotonic() - self.started
        line = (
            f"train step {state.global_step}/{state.max_steps} {self._losses()} {_clock(elapsed)}"
        )
        if 0 < state.global_step < state.max_steps:
            left = elapsed / state.global_step * (state.max_steps - state.global_step)
            line += f", {_clock(left)} left"
        return line

    def _losses(self) -> str:
        text = f"loss {self.loss:.3f}" if self.loss is not None else "loss -"
        return text + (f", eval {self.eval_loss:.3f}" if self.eval_loss is not None else "")


def _clock(seconds: float) -> str:
    """`4m10s`, or `12s` under a minute."""
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def what_ran(
    steps: int,
    batch_size: int,
    grad_accum: int,
    train_records: int,
    validation_records: int,
    seconds: float,
    max_steps: int,
) -> dict:
    """The run as it happened, for config.json: --max-steps, when set, decides the epochs, not --epochs."""
    per_step = batch_size * grad_accum
    return {
        "steps": steps,
        "epochs": round(steps * per_step / train_records, 2) if train_records else 0.0,
        "examples_per_step": per_step,
        "train_records": train_records,
        "validation_records": validation_records,
        "stopped_by": "max_steps" if max_steps > 0 else "epochs",
        "seconds": round(seconds, 1),
    }


def summary_line(summary: dict) -> str:
    """`30 steps = 6.7 epochs of 24 records (8 a step) in 1m12s; loss 2.310 -> 0.410, eval loss 0.520`."""
    ran = summary["ran"]
    took = _clock(math.ceil(ran["seconds"]))
    head = (
        f"{ran['steps']} steps = {ran['epochs']:g} epoch{'' if ran['epochs'] == 1 else 's'} of {ran['train_records']} records "
        f"({ran['examples_per_step']} a step) in {took}"
    )
    if summary["first_loss"] is None:
        losses = "no loss logged (fewer steps than logging_steps)"
    else:
        losses = f"loss {summary['first_loss']:.3f} -> {summary['last_loss']:.3f}"
    if summary.get("eval_loss") is not None:
        losses += f", eval loss {summary['eval_loss']:.3f}"
    return f"{head}; {losses}"
