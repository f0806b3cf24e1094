"""The training bar keeps showing the train loss after a validation log
(the Trainer logs them in separate calls)."""

from dsr.train.progress import TrainProgress


def test_the_bar_keeps_the_last_train_and_validation_loss():
    bar = TrainProgress()
    assert bar.figures_text({"loss": 2.5}) == "loss 2.500"
    assert bar.figures_text({"eval_loss": 2.25}) == "loss 2.500, val 2.250"
    assert bar.figures_text({"loss": 2.0, "learning_rate": 1e-4}) == "loss 2.000, val 2.250"
    assert bar.figures_text({"train_runtime": 3.0}) == "loss 2.000, val 2.250"
