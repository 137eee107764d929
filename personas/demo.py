"""Three personas written by both teams (real history through the guarded save) and two ICP segments."""

from . import services
from .models import IcpSegment, Persona

OPS = {
    "name": "Operations Director, mid-market logistics",
    "role": "Director of Operations, Head of Warehouse Operations",
    "seniority": "director",
    "summary": "Runs 2-6 warehouses for a regional 3PL or distributor. Measured on cost per order and on-time, in-full.",
    "goals": "- Cut cost per order by 10% this year\n- Hit 99.5% pick accuracy before peak season\n- Onboard seasonal staff in days, not weeks",
    "pains": "- Mis-picks cause returns, credit notes and angry key accounts\n- Temporary staff make most errors in their first two weeks\n- The WMS reports errors a week late",
    "objections": '- "We already have a WMS"\n- "Another device on the floor slows my pickers down"\n- "IT has no capacity for an integration this year"',
    "triggers": "- A key account threatens to leave over errors\n- Peak season planning starts (July)\n- A new site opens",
    "decision_criteria": "- Payback within 12 months\n- Works with SAP EWM or Manhattan without custom code\n- Pickers need less than an hour of training",
    "channels": "LinkedIn, logistics trade shows (LogiMAT), peer referrals, trade press",
    "quotes": '"Every mis-pick costs me about 40 euros by the time the credit note goes out."',
}
FINANCE = {
    "name": "VP Finance, SaaS scale-up",
    "role": "VP Finance, CFO at smaller companies",
    "seniority": "vp",
    "summary": "Owns the budget and signs anything over 50k. Wants numbers, not features.",
    "goals": "- Predictable spend\n- ROI she can defend to the board",
    "pains": "- Tools bought by teams that nobody uses\n- Surprise renewals",
    "objections": '- "Show me the payback"\n- "Can we start smaller?"',
    "triggers": "- Budget planning in Q4\n- A board question about margins",
    "decision_criteria": "- Total cost over three years\n- References from similar companies",
    "channels": "Email, CFO communities, analyst reports",
    "quotes": "\"If I can't explain it in one slide to the board, it doesn't happen.\"",
}
IT = {
    "name": "IT Manager, distribution company",
    "role": "IT Manager, ERP lead",
    "seniority": "manager",
    "summary": "Keeps SAP running with a team of three. Says no to anything that needs custom work.",
    "goals": "- Fewer integrations to maintain\n- Security reviews done once",
    "pains": "- Business teams buying tools without asking IT",
    "objections": '- "Who maintains the interface when SAP is upgraded?"',
    "triggers": "- ERP upgrade projects",
    "decision_criteria": "- Standard connectors\n- SSO and audit logs",
    "channels": "Vendor documentation, SAP community",
    "quotes": '"Send me the architecture diagram before the demo."',
}


def seed(context: dict) -> None:
    users = context["users"]
    mark, maria, sam, sally, sofia = (users[n] for n in ("mark", "maria", "sam", "sally", "sofia"))
    personas = []
    for author, content in ((mark, OPS), (maria, FINANCE), (sally, IT)):
        persona = Persona.objects.filter(name=content["name"]).first()
        if persona is None:
            persona = services.create_persona(by=author, **content)
            if content is OPS:
                # History from both teams: a rep adds what they hear; marketing sharpens the goals.
                services.save_persona(
                    persona,
                    changes={
                        "pains": content["pains"]
                        + "\n- Cannot see which shift makes the most errors"
                    },
                    base_version=persona.version,
                    by=sam,
                )
                persona.refresh_from_db()
                services.save_persona(
                    persona,
                    changes={
                        "quotes": content["quotes"]
                        + '\n"My pickers hate scanning twice." (heard by Sofia)'
                    },
                    base_version=persona.version,
                    by=sofia,
                )
                persona.refresh_from_db()
                services.save_persona(
                    persona,
                    changes={"goals": content["goals"].replace("10%", "12%")},
                    base_version=persona.version,
                    by=maria,
                )
                persona.refresh_from_db()
        personas.append(persona)
    context["personas"] = personas

    segments = [
        ("Mid-market logistics", {
            "description": "Regional 3PLs and distributors with their own warehouses.",
            "industries": ["Logistics", "Wholesale", "Distribution"], "employees_min": 200, "employees_max": 2000,
            "revenue_min": 20_000_000, "revenue_max": 500_000_000, "regions": ["EMEA", "North America"],
            "technologies": ["SAP EWM", "Manhattan"], "exclusions": ["Government"],
        }),
        ("Mid-market SaaS", {
            "description": "Software companies scaling finance and operations.",
            "industries": ["Software", "SaaS"], "employees_min": 100, "employees_max": 1000,
            "regions": ["EMEA", "North America"], "technologies": ["Salesforce", "NetSuite"], "exclusions": ["Agencies"],
        }),
    ]  # fmt: skip
    context["icp_segments"] = []
    for name, fields in segments:
        segment = IcpSegment.objects.filter(name=name).first() or services.save_segment(
            None, by=maria, name=name, **fields
        )
        context["icp_segments"].append(segment)
