"""/docs in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`, which
`.ci/run` installs) opens Swagger UI served by `lms serve`, expands an operation, and runs
"Try it out" against the local host. The page must work under the app's own strict policy,
with its scripts and styles from the app, no CDN."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.host_process import HostProcess, host_environment, run_lms

OPERATION = "operations-health-health_check"  # GET /api/v1/health, tag "health"


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "install Debian's chromium and chromium-driver (.ci/run does)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    session = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield session
    finally:
        session.quit()


def test_swagger_ui_runs_try_it_out_against_the_local_host(
    browser: WebDriver, tmp_path: Path
) -> None:
    env = host_environment(f"sqlite:///{tmp_path}/lms.db", tmp_path, ENVIRONMENT="development")
    assert run_lms("migrate", env=env).returncode == 0
    host = HostProcess(env)
    try:
        url = host.wait_until_listening()
        browser.get(f"{url}/docs")
        wait = WebDriverWait(browser, 30)
        operation = wait.until(ready.presence_of_element_located((By.ID, OPERATION)))
        operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
        wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, f"#{OPERATION} .try-out__btn")))
        operation.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
        wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, f"#{OPERATION} .execute")))
        operation.find_element(By.CSS_SELECTOR, ".execute").click()
        answer = wait.until(
            ready.presence_of_element_located(
                (
                    By.CSS_SELECTOR,
                    f"#{OPERATION} .live-responses-table tr.response .response-col_status",
                )
            )
        )
        assert answer.text.strip().startswith("200"), answer.text
        body = operation.find_element(By.CSS_SELECTOR, ".live-responses-table .microlight")
        assert '"status": "ok"' in body.text
        refused = [
            entry["message"]
            for entry in browser.get_log("browser")
            if "Content Security Policy" in entry["message"]
        ]
        assert refused == []
    finally:
        host.stop()
