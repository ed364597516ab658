"""The topics of rem_edges' seed generator, each with its keywords and four phrases, by area
(the templates their resources are written from are in templates.py).

A topic's `keywords` are the words that make two texts about it overlap; each keyword belongs to
one topic only and is no word of any template, so an overlap found between two generated texts
is always the topic's (tests check both). Phrases: `goal` (an infinitive phrase), `issue` (a noun
phrase), `step` (a past-tense clause), `result` (a clause): the templates fill them in.
It holds data only; generator.py turns it into collections of resources.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    area: str
    keywords: tuple[str, ...]
    goal: str
    issue: str
    step: str
    result: str


def _t(name: str, area: str, keywords: str, goal: str, issue: str, step: str, result: str) -> Topic:
    return Topic(name, area, tuple(keywords.split()), goal, issue, step, result)


TOPICS: tuple[Topic, ...] = (
    # engineering
    _t(
        "orders database migration",
        "engineering",
        "orders database migration postgres locks",
        "move the orders database to Postgres 16",
        "table locks during the migration",
        "ran the migration script against a staging copy of the orders database",
        "the Postgres cutover took 12 minutes and no orders were lost",
    ),
    _t(
        "token refresh bug",
        "engineering",
        "token refresh logouts authentication session",
        "stop the random logouts in the authentication service",
        "session tokens that the client never renews",
        "moved the token refresh ahead of the expiry check",
        "logouts dropped to zero after the refresh fix",
    ),
    _t(
        "search latency",
        "engineering",
        "search latency index p95 warm-up",
        "bring search latency under 200 ms at p95",
        "a cold index after every deploy",
        "added a warm-up job that loads the search index before traffic arrives",
        "p95 latency is now 140 ms and the index stays warm",
    ),
    _t(
        "kubernetes upgrade",
        "engineering",
        "kubernetes cluster nodes upgrade helm",
        "upgrade the kubernetes cluster to 1.29",
        "helm charts that still use removed APIs",
        "drained the old nodes one by one and updated the helm charts",
        "the cluster upgrade finished with one short outage on the staging nodes",
    ),
    _t(
        "android camera crash",
        "engineering",
        "android camera crash emulator permission",
        "fix the android crash when the camera opens",
        "a crash that only happens on older android phones",
        "reproduced the camera crash on an emulator and patched the permission check",
        "no camera crash reports for two weeks since the android fix",
    ),
    _t(
        "payment webhooks",
        "engineering",
        "webhooks payment stripe duplicate idempotent",
        "make payment webhooks idempotent",
        "duplicate charges when stripe sends a webhook twice",
        "stored each webhook id and skipped duplicate deliveries",
        "no duplicate payment since the change, even when stripe resends webhooks",
    ),
    # planning
    _t(
        "Q4 budget",
        "planning",
        "budget q4 spending forecast finance",
        "set the Q4 budget for the platform team",
        "cloud spending that grew faster than the forecast",
        "split the budget into cloud, staff and travel lines with finance",
        "the Q4 budget was approved with ten percent less cloud spending",
    ),
    _t(
        "backend hiring",
        "planning",
        "hiring candidates interviews recruiter engineers",
        "hire two backend engineers before March",
        "too few candidates from the recruiter",
        "wrote the job posts and set up interviews for the candidates",
        "both engineers accepted offers after six interviews",
    ),
    _t(
        "product roadmap",
        "planning",
        "roadmap features customers priorities launch",
        "agree on the product roadmap for the next two quarters",
        "too many features competing for the same launch window",
        "ranked the features by customer requests and effort",
        "the roadmap now has three priorities and one launch date",
    ),
    _t(
        "team offsite",
        "planning",
        "offsite venue agenda workshop lisbon",
        "organise a two-day team offsite in Lisbon",
        "a venue that only has space for twenty people",
        "booked the venue and wrote an agenda with two workshop slots",
        "the offsite ran on schedule and the workshop ideas went into the backlog",
    ),
    _t(
        "vendor contract renewal",
        "planning",
        "vendor contract renewal pricing legal",
        "renegotiate the monitoring vendor contract before renewal",
        "a price increase hidden in the renewal terms",
        "collected usage numbers and sent counter-pricing to the vendor",
        "legal signed the contract with fixed pricing for two years",
    ),
    _t(
        "security audit",
        "planning",
        "audit security compliance findings keys",
        "pass the yearly security audit",
        "old access keys that nobody owns",
        "revoked unowned keys and collected the compliance evidence",
        "the audit closed with two minor findings",
    ),
    # health
    _t(
        "marathon training",
        "health",
        "marathon running pace kilometres knee",
        "run the autumn marathon under four hours",
        "a sore knee after heavy running weeks",
        "did three easy runs and 25 kilometres at marathon pace",
        "I finished the marathon in 3:52 and my knee held up",
    ),
    _t(
        "sleep routine",
        "health",
        "sleep bedtime caffeine tired screens",
        "get seven hours of sleep on weeknights",
        "late screens and afternoon caffeine",
        "kept a fixed bedtime and stopped caffeine after noon",
        "I sleep seven hours most nights and feel less tired",
    ),
    _t(
        "meal prep",
        "health",
        "meal prep lunches groceries batch",
        "prep healthy lunches for the whole week on Sundays",
        "groceries going off before Thursday",
        "cooked three dishes in one batch and froze half of the lunches",
        "meal prep saves me about five hours a week",
    ),
    _t(
        "meditation practice",
        "health",
        "meditation breathing calm mindfulness morning",
        "meditate for ten minutes every morning",
        "skipping meditation on busy mornings",
        "did a guided breathing exercise before breakfast",
        "thirty days of meditation in a row and I feel calm in meetings",
    ),
    _t(
        "shoulder physio",
        "health",
        "shoulder physio exercises stretching pain",
        "get my shoulder back to full movement",
        "pain when I lift my arm above my head",
        "did the physio exercises and ten minutes of stretching",
        "the shoulder pain is gone and the physio signed me off",
    ),
    _t(
        "cycling commute",
        "health",
        "cycling bike commute route rain",
        "commute by bike three days a week",
        "rain on the route along the river",
        "tried the quieter cycling route through the park",
        "I rode the bike to work forty times, even in light rain",
    ),
    # home
    _t(
        "kitchen renovation",
        "home",
        "kitchen renovation cabinets plumber tiles",
        "renovate the kitchen before the summer",
        "a plumber who cannot come until June",
        "ordered the cabinets and picked the wall tiles",
        "the kitchen renovation finished two weeks late but at the agreed price",
    ),
    _t(
        "vegetable garden",
        "home",
        "garden tomatoes beds compost seedlings",
        "grow tomatoes in two raised beds",
        "slugs eating the seedlings",
        "filled the beds with compost and planted the tomato seedlings",
        "the garden gave us tomatoes until October",
    ),
    _t(
        "moving flat",
        "home",
        "flat moving boxes lease landlord",
        "move to the new flat by the end of the month",
        "a landlord who wants two months of notice",
        "packed forty boxes and signed the new lease",
        "moving day went fine and the old flat is handed back",
    ),
    _t(
        "tax return",
        "home",
        "tax receipts deductions accountant return",
        "file the tax return before the deadline",
        "missing receipts for the home office",
        "sorted the receipts and listed the deductions for the accountant",
        "the accountant filed the tax return and we get a refund",
    ),
    _t(
        "Norway trip",
        "home",
        "norway ferry fjords trip booking",
        "plan a family trip to the Norway fjords",
        "ferry tickets that sell out early",
        "made the ferry booking and two cabin reservations",
        "the Norway trip was the best holiday in years",
    ),
    _t(
        "car repair",
        "home",
        "car garage brakes inspection tyres",
        "get the car through the inspection",
        "squeaking brakes and worn tyres",
        "took the car to the garage for new brakes and tyres",
        "the car passed the inspection on the first try",
    ),
    # learning
    _t(
        "Spanish lessons",
        "learning",
        "spanish vocabulary lessons grammar tutor",
        "hold a simple conversation in Spanish by summer",
        "forgetting vocabulary between lessons",
        "did two lessons with the tutor and fifty vocabulary cards",
        "I ordered dinner in Spanish without switching to English",
    ),
    _t(
        "machine learning course",
        "learning",
        "neural gradient assignment course backpropagation",
        "finish the machine learning course with all assignments",
        "the backpropagation maths in week three",
        "worked through the gradient assignment and wrote a small neural network",
        "I passed the course and understand backpropagation now",
    ),
    _t(
        "novel reading",
        "learning",
        "novel books chapters library fiction",
        "read one fiction book a month",
        "long chapters that I never finish at night",
        "borrowed two books from the library and read five chapters",
        "twelve books this year, mostly fiction",
    ),
    _t(
        "guitar practice",
        "learning",
        "guitar chords song metronome fingers",
        "play a full song on the guitar",
        "sore fingers and slow chord changes",
        "practised the chords with a metronome for twenty minutes",
        "I played the whole song on the guitar for friends",
    ),
    _t(
        "blog writing",
        "learning",
        "blog post readers editing newsletter",
        "publish one blog post a month",
        "editing that takes longer than writing",
        "wrote the first blog post and sent it to the newsletter",
        "the blog has two hundred readers after six posts",
    ),
    _t(
        "pottery class",
        "learning",
        "pottery clay wheel glaze kiln",
        "make a set of bowls in the pottery class",
        "clay that collapses on the wheel",
        "centred the clay on the wheel and threw four bowls",
        "the bowls came out of the kiln with a blue glaze",
    ),
)

AREAS = {
    "engineering": "engineering",
    "planning": "team planning",
    "health": "health",
    "home": "home life",
    "learning": "learning",
}  # how a reason names an area
