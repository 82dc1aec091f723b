"""The fixed list of categories and the problems people report for each.

Problem slugs are stable identifiers stored with every report; titles are for people.
"""

from __future__ import annotations

from outagewatch.basics.services import Category, Problem

SOMETHING_ELSE = Problem("other", "Something else", "A problem not listed here.")
APP_ERRORS = Problem(
    "app-website-errors",
    "App & website errors",
    "The app or website returns error pages, crashes, or is completely unreachable.",
)
LOGIN = Problem(
    "login",
    "Login & authentication",
    "Unable to sign in, 2FA not working, or being unexpectedly logged out.",
)
MESSAGES = Problem(
    "messages",
    "Messages not sending",
    "Messages appear stuck, fail to deliver, or recipients are not receiving them.",
)
FEED = Problem(
    "feed",
    "Feed & content not loading",
    "Posts, stories, or notifications are not appearing or are failing to refresh.",
)
CALLS = Problem("calls", "Voice & video calls", "Calls fail to connect, drop, or have no sound.")
PLAYBACK = Problem(
    "playback", "Video or audio not playing", "Playback does not start, buffers or stops."
)
SERVERS = Problem(
    "servers", "Server connection", "Cannot connect to game servers, or being disconnected."
)
MATCHMAKING = Problem("matchmaking", "Matchmaking & lobbies", "Cannot find or join a match.")
STORE = Problem("store", "Store & purchases", "Purchases, downloads or in-game items fail.")
ONLINE_BANKING = Problem(
    "online-banking", "Online banking", "The website or internet banking does not work."
)
MOBILE_APP = Problem("mobile-app", "Mobile app", "The mobile app fails to open, load or log in.")
CARD_PAYMENTS = Problem(
    "card-payments", "Card payments", "Card payments or cash withdrawals are declined."
)
TRANSFERS = Problem("transfers", "Transfers & payments", "Transfers are delayed or fail.")
CHECKOUT = Problem("checkout", "Checkout & payments", "Payments fail at checkout or hang.")
TRADING = Problem("trading", "Trading", "Orders fail, prices freeze or the exchange is halted.")
WITHDRAWALS = Problem("withdrawals", "Deposits & withdrawals", "Funds are not arriving or leaving.")
NO_SIGNAL = Problem("no-signal", "No signal", "No mobile signal, or 'SOS only' / 'No service'.")
MOBILE_DATA = Problem("mobile-data", "Mobile internet", "Mobile data is slow or not working.")
PHONE_CALLS = Problem("phone-calls", "Calls & texts", "Calls or text messages fail.")
NO_INTERNET = Problem("no-internet", "Total outage", "No internet connection at all.")
SLOW_INTERNET = Problem("slow-internet", "Slow or dropping", "The connection is slow or drops.")
TV_PHONE = Problem("tv-phone", "TV & landline", "TV or landline service does not work.")
API_ERRORS = Problem("api", "API errors", "API requests fail, time out or return errors.")
DASHBOARD = Problem("dashboard", "Console & dashboard", "The control panel does not load.")
PERFORMANCE = Problem("performance", "Slow or timing out", "Requests are slow or time out.")
SYNC = Problem("sync", "Files & sync", "Files do not upload, download or sync.")
MEETINGS = Problem("meetings", "Meetings & calls", "Meetings fail to start or drop.")
AI_RESPONSES = Problem(
    "responses", "No or broken responses", "Answers do not arrive, stop halfway or error out."
)
ORDERS = Problem("orders", "Orders & tracking", "Orders cannot be placed or tracked.")
BOOKING = Problem("booking", "Bookings & check-in", "Bookings, check-in or boarding passes fail.")
RIDES = Problem("rides", "Rides & deliveries", "Rides or deliveries cannot be booked or tracked.")
SEARCH_RESULTS = Problem("results", "Search results", "Searches return nothing or errors.")
CONNECTION = Problem("connection", "Cannot connect", "The VPN or service will not connect.")
DEVICES = Problem("devices", "Devices offline", "Devices show offline or do not respond.")
VOICE_ASSISTANT = Problem(
    "voice", "Voice assistant", "The assistant does not answer or cannot control devices."
)
EMAIL_DELIVERY = Problem("delivery", "Sending & receiving", "E-mails are not sent or received.")
COURSES = Problem("courses", "Courses & assignments", "Courses, submissions or tests fail.")
MATCHES = Problem("matches", "Matches & profiles", "Matches, profiles or swipes do not load.")
PORTAL = Problem("portal", "Online services", "Online forms, filing or appointments fail.")
TRADES = Problem(
    "trades", "Trades not executing", "Orders are rejected, stay pending or are not filled."
)
QUOTES = Problem(
    "quotes", "Quotes not updating", "Prices, charts or portfolio values are frozen or missing."
)
ACCOUNT_TRANSFERS = Problem(
    "transfers",
    "Deposits & transfers",
    "Deposits, withdrawals or account transfers are delayed or fail.",
)

_CATEGORIES: tuple[tuple[str, str, tuple[Problem, ...]], ...] = (
    ("social-media", "Social Media", (MESSAGES, LOGIN, FEED, APP_ERRORS)),
    ("messaging", "Messaging", (MESSAGES, CALLS, LOGIN, APP_ERRORS)),
    ("email", "Email", (EMAIL_DELIVERY, LOGIN, APP_ERRORS)),
    ("streaming", "Streaming & Video", (PLAYBACK, LOGIN, APP_ERRORS)),
    ("music", "Music & Audio", (PLAYBACK, LOGIN, APP_ERRORS)),
    ("gaming", "Gaming", (SERVERS, LOGIN, MATCHMAKING, STORE)),
    ("banking", "Banking", (ONLINE_BANKING, MOBILE_APP, CARD_PAYMENTS, TRANSFERS, LOGIN)),
    ("payments", "Payments", (CHECKOUT, TRANSFERS, LOGIN, APP_ERRORS)),
    ("crypto", "Crypto", (TRADING, WITHDRAWALS, LOGIN, APP_ERRORS)),
    ("investing", "Investing", (LOGIN, TRADES, QUOTES, ACCOUNT_TRANSFERS)),
    ("mobile-telecom", "Mobile & Telecom", (NO_SIGNAL, MOBILE_DATA, PHONE_CALLS)),
    ("internet-providers", "Internet Providers", (NO_INTERNET, SLOW_INTERNET, TV_PHONE)),
    ("cloud-hosting", "Cloud & Hosting", (API_ERRORS, DASHBOARD, PERFORMANCE)),
    ("developer-tools", "Developer Tools", (API_ERRORS, DASHBOARD, LOGIN, PERFORMANCE)),
    ("productivity", "Productivity & Work", (LOGIN, SYNC, MEETINGS, APP_ERRORS)),
    ("ai", "AI", (AI_RESPONSES, LOGIN, API_ERRORS, APP_ERRORS)),
    ("shopping", "Shopping", (CHECKOUT, ORDERS, LOGIN, APP_ERRORS)),
    ("travel", "Travel", (BOOKING, LOGIN, APP_ERRORS)),
    ("delivery-transport", "Delivery & Transport", (RIDES, ORDERS, CHECKOUT, APP_ERRORS)),
    ("news-media", "News & Media", (FEED, LOGIN, APP_ERRORS)),
    ("search", "Search & Web", (SEARCH_RESULTS, APP_ERRORS)),
    ("education", "Education", (COURSES, LOGIN, APP_ERRORS)),
    ("dating", "Dating", (MATCHES, MESSAGES, LOGIN, APP_ERRORS)),
    ("security-vpn", "Security & VPN", (CONNECTION, LOGIN, APP_ERRORS)),
    ("smart-home", "Smart Home", (DEVICES, VOICE_ASSISTANT, APP_ERRORS)),
    ("government", "Government & Public Services", (PORTAL, LOGIN, APP_ERRORS)),
)

CATEGORIES: tuple[Category, ...] = tuple(
    Category(slug, name, (*problems, SOMETHING_ELSE)) for slug, name, problems in _CATEGORIES
)
CATEGORY_BY_SLUG: dict[str, Category] = {category.slug: category for category in CATEGORIES}
