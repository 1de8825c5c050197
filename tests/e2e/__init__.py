"""End-to-end tests in a real browser (headless Debian chromium driven by Playwright)."""
