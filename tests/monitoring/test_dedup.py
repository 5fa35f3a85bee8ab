"""Grouping the same story across outlets (MinHash/LSH)."""

from nanduti.monitoring.extract.dedup import group_stories, jaccard

STORY = (
    "Una adolescente de 15 años fue rescatada el martes en Encarnación cuando iba a ser "
    "trasladada a la Argentina. La menor había sido contactada por Facebook por una mujer "
    "que le ofrecía trabajo como niñera en Buenos Aires. La fiscalía investiga el caso."
)
REWRITE = (
    "ENCARNACIÓN. Una adolescente de 15 años fue rescatada el martes en Encarnación cuando "
    "iba a ser trasladada a la Argentina, informó la Policía. La menor había sido contactada "
    "por Facebook por una mujer que le ofrecía trabajo como niñera en Buenos Aires."
)
OTHER = (
    "Un hombre fue detenido en Luque por pornografía infantil tras un allanamiento. En su "
    "computadora había miles de archivos que compartía por Telegram, dijo el fiscal."
)


def test_same_story_from_two_outlets_shares_a_group():
    groups = group_stories([("abc-1", STORY), ("uh-7", REWRITE), ("ln-3", OTHER)])
    assert groups["abc-1"] == "abc-1"
    assert groups["uh-7"] == "abc-1"
    assert groups["ln-3"] == "ln-3"


def test_similarity_measure():
    assert jaccard(STORY, REWRITE) > 0.4
    assert jaccard(STORY, OTHER) < 0.1


def test_empty_texts_are_their_own_groups():
    groups = group_stories([("a", ""), ("b", "")])
    assert groups == {"a": "a", "b": "b"}


def test_groups_do_not_depend_on_the_process_hash_seed(tmp_path):
    """Batch workers and the parent are different processes: groups must be stable."""
    import json
    import os
    import subprocess
    import sys

    from nanduti.monitoring.training import snippets

    data = snippets()
    items = data["positive"][:10] + data["negative"][:10]
    source = tmp_path / "many.jsonl"
    with open(source, "w", encoding="utf-8") as fh:
        for i in range(120):  # each written item six times, with different endings
            item = items[i % len(items)]
            text = item["text"] + f" Nota {i % 7}."
            fh.write(json.dumps({"id": f"a{i}", "title": "", "text": text}) + "\n")
    script = (
        "import sys, json\n"
        "from nanduti.monitoring.extract.pipeline import extract_jsonl\n"
        "extract_jsonl(sys.argv[1], sys.argv[2])\n"
    )
    outputs = []
    for seed in ("1", "2"):
        target = tmp_path / f"out{seed}.jsonl"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-c", script, source, target], check=True, env=env)
        outputs.append([json.loads(line)["group"] for line in target.open(encoding="utf-8")])
    assert outputs[0] == outputs[1]
    assert len(set(outputs[0])) == 20  # one group per written story
