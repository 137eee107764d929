"""Every lead write that carries a business rule, one module per domain.

Callers import the module that owns a name (`from leads.services import stages`); this
package re-exports nothing.

- `ingest`: leads in (API row, bulk, CSV chunk) and engagement events: upsert by external
  id else email, never a blank over a value, never a stage backwards, set-based per batch.
- `handoff`: a lead that crosses the MQL threshold becomes an MQL with an owner and SLA
  due times; reassignment by a sales lead; telling owners.
- `assignment`: who gets a new MQL (round-robin among the region's active reps).
- `stages`: what sales does with a lead (accept, reject, contact, convert), recycling and
  notes; every stage change is a step of LEAD_FLOW (leads.models).
- `scoring_rules`: the scoring rules and settings both teams edit, their recorded changes,
  and rescoring every lead after a change.
- `sla`: the SLA policy both leads approve (with working hours and holidays), the clock
  that counts working time in the owner's time zone (`due_times` stamps it on a lead,
  `clock` reads it for every page and the API), and the beat sweep that warns owners and
  escalates breaches.
- `checks`: value checks the modules share.

Where the next work goes: a COPY-based bulk path in `ingest`; skipping people who are
away or at capacity in `assignment.eligible_reps`; rescoring after an ICP segment
changes through `scoring_rules.request_rescore`.
"""
