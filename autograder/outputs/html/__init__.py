"""Self-contained HTML pages: a feedback page per submission and a class report.

Pages open offline: styles are inline, pictures are PNG data URIs, and a
Content-Security-Policy forbids every request. Every value reaches the page
through jinja2 with autoescaping on, after ``safe.plain_text``.
"""
