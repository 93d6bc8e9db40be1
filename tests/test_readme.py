"""CI runs the README's two commands exactly, after the system packages its tests need; keep them in step."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_install_and_test_commands_after_installing_chromium():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line.strip() for line in ci if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert commands[-2:] == ['pip install -e ".[test]"', "pytest"]
    for command in commands[-2:]:
        assert f"```bash\n{command}\n```" in readme
    system = "\n".join(commands[:-2])
    assert "apt-get install" in system and "chromium" in system  # the studio's browser tests need it
