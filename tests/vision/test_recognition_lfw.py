"""LFW pair lists: parsing the real files, the scoring protocol, and the verify-pairs command on real images."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.evaluation.lfw import (
    ENCODER_IDS,
    VERIFICATION_THRESHOLD,
    EncodingCache,
    IdentificationFigures,
    ImageRef,
    PairList,
    Recogniser,
    best_threshold,
    choose_margin,
    evaluate_pairs,
    parse_pairs,
    read_pairs,
    verify_at,
)
from kiosk.vision.encodings import FUSED_SIZE

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "pairs", "folds"),
    [("pairsDevTrain.txt", 2200, 0), ("pairsDevTest.txt", 1000, 0), ("pairs.txt", 6000, 10)],
)
def test_the_real_pair_lists_parse(faces_dir: Path, name: str, pairs: int, folds: int) -> None:
    pair_list = read_pairs(faces_dir / "lfw" / name)

    assert len(pair_list.pairs) == pairs
    assert pair_list.fold_count == folds
    assert int(pair_list.labels.sum()) == pairs // 2
    for ref in pair_list.images[:50]:
        assert (faces_dir / "lfw/images" / ref.relative_path).is_file(), ref
    if folds:
        per_fold = np.bincount([pair.fold for pair in pair_list.pairs if pair.fold is not None])
        assert per_fold.tolist() == [600] * 10


def test_image_names_follow_lfw() -> None:
    assert ImageRef("Aaron_Peirsol", 3).relative_path == Path("Aaron_Peirsol/Aaron_Peirsol_0003.jpg")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("2\nA\t1\t2\n", "announces 4 pairs"),
        ("1\nA\t1\t2\nB\t1\n", "3 or 4 fields"),
        ("1\nA\t1\tB\t2\nC\t1\t2\n", "same-person pair at this position"),
        ("1\nA\tone\t2\nB\t1\tC\t1\n", "expected a number"),
        ("1 2 3\n", "'N' or 'FOLDS N'"),
        ("1\nA\t0\t2\nB\t1\tC\t1\n", "positive"),
    ],
)
def test_malformed_lists_are_refused_with_the_line(text: str, fragment: str) -> None:
    with pytest.raises(RuleViolation, match=fragment):
        parse_pairs(text, "list.txt")


def test_a_missing_list_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuleViolation, match="no such pair list"):
        read_pairs(tmp_path / "absent.txt")


def test_a_missing_face_is_always_an_error() -> None:
    distances = np.array([0.2, np.nan, 0.9, np.nan])
    same = np.array([True, True, False, False])

    figures = verify_at(distances, same, 0.5)

    assert figures.accuracy == 0.5
    assert figures.failures == 2
    assert figures.tar == 0.5
    assert figures.far == 0.0


def test_the_best_threshold_sits_in_the_middle_of_the_best_gap() -> None:
    distances = np.array([0.30, 0.40, 0.45, 0.70, 0.80, np.nan])
    same = np.array([True, True, True, False, False, True])

    threshold = best_threshold(distances, same)

    assert threshold == pytest.approx(0.575)
    assert verify_at(distances, same, threshold).accuracy == pytest.approx(5 / 6)


def test_folds_choose_their_threshold_on_the_other_folds_only() -> None:
    text = "2\t2\n" + "A\t1\t2\nB\t1\t2\nC\t1\tD\t1\nE\t1\tF\t1\n" * 2
    pair_list = parse_pairs(text)
    # Fold 0 alone would put the threshold near 0.5; fold 1 alone near 0.9.
    distances = np.array([0.3, 0.4, 0.6, 0.7, 0.8, 0.85, 0.95, 1.0])

    result = evaluate_pairs(pair_list, distances, fixed_threshold=0.1)

    assert [fold.threshold for fold in result.folds] == [pytest.approx(0.9), pytest.approx(0.5)]
    # Held-out fold 0 at 0.9 accepts everything (2 of 4 right); fold 1 at 0.5 rejects everything (2 of 4).
    assert [fold.accuracy for fold in result.folds] == [0.5, 0.5]
    assert result.verification.accuracy == 0.5
    as_json = result.as_json()
    assert as_json["pairs"] == 8
    folds = as_json["folds"]
    assert isinstance(folds, list)
    assert [fold["fold"] for fold in folds] == [1, 2]


def test_a_list_without_folds_uses_the_fixed_threshold() -> None:
    pair_list = parse_pairs("1\nA\t1\t2\nB\t1\tC\t1\n")

    result = evaluate_pairs(pair_list, np.array([0.3, 0.6]), fixed_threshold=0.5)

    assert result.folds == ()
    assert result.verification.threshold == 0.5
    assert result.verification.accuracy == 1.0


def test_the_margin_with_the_lowest_cost_wins() -> None:
    trial = [
        IdentificationFigures(0.0, genuine=100, correct=95, wrong=3, impostors=100, impostors_accepted=4),
        IdentificationFigures(0.05, genuine=100, correct=93, wrong=0, impostors=100, impostors_accepted=1),
        IdentificationFigures(0.10, genuine=100, correct=80, wrong=0, impostors=100, impostors_accepted=0),
    ]

    assert [figures.cost for figures in trial] == [72.0, 17.0, 20.0]
    assert choose_margin(trial) == 0.05


def _small_list(faces_dir: Path, tmp_path: Path) -> tuple[Path, PairList]:
    full = read_pairs(faces_dir / "lfw/pairs.txt")
    lines = ["2\t3"]
    for fold in (0, 5):
        chosen = [pair for pair in full.pairs if pair.fold == fold]
        for pair in chosen[:3] + chosen[300:303]:
            if pair.same:
                lines.append(f"{pair.first.person}\t{pair.first.number}\t{pair.second.number}")
            else:
                lines.append(f"{pair.first.person}\t{pair.first.number}\t{pair.second.person}\t{pair.second.number}")
    path = tmp_path / "pairs.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, read_pairs(path)


def _verify_pairs(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "vision", "verify-pairs", *arguments],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_verify_pairs_prints_one_json_object(faces_dir: Path, tmp_path: Path) -> None:
    pairs, pair_list = _small_list(faces_dir, tmp_path)
    images = tmp_path / "images"
    # One image of the list is missing from this copy of the folder layout: its pair must count as an error.
    missing = pair_list.pairs[0].first
    for ref in pair_list.images:
        if ref != missing:
            (images / ref.person).mkdir(parents=True, exist_ok=True)
            (images / ref.relative_path).symlink_to(faces_dir / "lfw/images" / ref.relative_path)
    cache = tmp_path / "cache.npz"

    run = _verify_pairs("--pairs", str(pairs), "--images", str(images), "--cache", str(cache), "--workers", "1")

    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert {"pairs", "accuracy", "threshold", "tar", "far", "folds"} <= set(result)
    assert result["pairs"] == 12
    assert result["failures"] >= 1
    assert len(result["folds"]) == 2
    assert result["accuracy"] < 0.92  # the missing face is one error in 12
    assert result["accuracy"] >= 0.75
    assert cache.is_file()


def test_verify_pairs_refuses_bad_input_with_a_message(faces_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text("3\nA\t1\t2\n", encoding="utf-8")

    no_folder = _verify_pairs("--pairs", str(broken), "--images", str(tmp_path / "absent"))
    bad_list = _verify_pairs("--pairs", str(broken), "--images", str(faces_dir / "lfw/images"))
    bad_threshold = _verify_pairs(
        "--pairs", str(broken), "--images", str(faces_dir / "lfw/images"), "--threshold", "-1"
    )

    assert no_folder.returncode == 1
    assert "no such image folder" in no_folder.stderr
    assert bad_list.returncode == 1
    assert "announces 6 pairs" in bad_list.stderr
    assert bad_threshold.returncode == 1
    assert "threshold" in bad_threshold.stderr
    assert no_folder.stdout == bad_list.stdout == ""


@pytest.mark.slow
def test_view_one_test_pairs_reach_the_published_level(faces_dir: Path, tmp_path: Path) -> None:
    cache = PROJECT_ROOT / "benchmarks/out/lfw_encodings.npz"
    run = _verify_pairs(
        "--pairs",
        str(faces_dir / "lfw/pairsDevTest.txt"),
        "--images",
        str(faces_dir / "lfw/images"),
        "--cache",
        str(cache),
    )

    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["pairs"] == 1000
    assert result["threshold"] == VERIFICATION_THRESHOLD
    assert result["accuracy"] > 0.97


@pytest.mark.slow
def test_view_two_ten_folds(faces_dir: Path) -> None:
    cache = PROJECT_ROOT / "benchmarks/out/lfw_encodings.npz"
    run = _verify_pairs(
        "--pairs", str(faces_dir / "lfw/pairs.txt"), "--images", str(faces_dir / "lfw/images"), "--cache", str(cache)
    )

    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["pairs"] == 6000
    assert len(result["folds"]) == 10
    assert all(fold["accuracy"] > 0.97 for fold in result["folds"])
    assert result["accuracy"] > 0.98


def test_verify_pairs_with_both_models_fused(faces_dir: Path, tmp_path: Path, sface_model: Path) -> None:
    pairs, pair_list = _small_list(faces_dir, tmp_path)
    cache = tmp_path / "fused.npz"
    arguments = ("--pairs", str(pairs), "--images", str(faces_dir / "lfw/images"), "--cache", str(cache))

    run = _verify_pairs(*arguments, "--workers", "1", "--recogniser", "fused")

    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["pairs"] == 12
    assert result["failures"] == 0
    assert result["accuracy"] >= 0.9
    with np.load(cache) as stored:
        assert str(stored["encoder"]) == ENCODER_IDS[Recogniser.FUSED]
        assert stored["encodings"].shape == (len(pair_list.images), FUSED_SIZE)
    # The dlib cache is another file's business: a fused cache is not taken for one.
    assert EncodingCache(cache).entries == {}


def test_a_fused_list_without_folds_needs_a_threshold(faces_dir: Path, tmp_path: Path) -> None:
    view_one = tmp_path / "view1.txt"
    view_one.write_text("1\nAaron_Peirsol\t1\t2\nAaron_Peirsol\t1\tAbdullah\t1\n", encoding="utf-8")

    run = _verify_pairs("--pairs", str(view_one), "--images", str(faces_dir / "lfw/images"), "--recogniser", "fused")

    assert run.returncode == 1
    assert "--threshold" in run.stderr
    assert run.stdout == ""


@pytest.mark.slow
def test_view_two_ten_folds_with_both_models_fused(faces_dir: Path, sface_model: Path) -> None:
    cache = PROJECT_ROOT / "benchmarks/out/lfw_fused_encodings.npz"
    run = _verify_pairs(
        "--pairs",
        str(faces_dir / "lfw/pairs.txt"),
        "--images",
        str(faces_dir / "lfw/images"),
        "--cache",
        str(cache),
        "--recogniser",
        "fused",
    )

    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["pairs"] == 6000
    assert result["accuracy"] >= 0.994
