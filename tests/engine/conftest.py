"""Markers of the engine tests."""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: grades notebooks in real Jupyter kernels (about a minute); "
                                       "deselect with -m 'not slow'")
