"""CI runs the README's two commands exactly; keep them in step."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_install_and_test_commands():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line for line in ci if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == ['pip install -e ".[test]"', "pytest"]
    for command in commands:
        assert f"```bash\n{command}\n```" in readme
