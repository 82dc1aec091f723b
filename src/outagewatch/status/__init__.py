"""A service's status as people read it: the read model behind every page, API answer,
live stream, feed and badge. Framework-free: a narrow storage protocol in
(reader.StatusReads), the catalog and `now` as arguments, plain values out.

Each view asks one question and renders the answer:
- card.read_card: status and evidence, since when (the one rule for a service never judged),
  stale flag, counts this hour and today, timeline mark, the newest incidents if asked.
  Status JSON, badges, a stream's first frame, feeds, Statuspage-compatible answers.
- details.read_details: the card, the 24-hour series against the usual level, problems,
  regions, the last hour in five-minute slots, incidents with official statements, official
  status, our probe, related services, comments. The service page and the API's answer.
- overview.read_home / read_overview / read_latest_incidents: the home page, lists of
  services (categories, search), the site-wide feed.

badge draws a status as SVG; summary and recent are the parts details is made of.
"""
