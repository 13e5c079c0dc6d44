import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * Estimated spend: a rate card per organization (pricing category ×
 * recipient calling code, with the date each price takes effect) and views
 * that price each outbound message by its status's pricing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table rate_cards (
      organization_id uuid not null references organizations(id) on delete cascade,
      category text not null,
      country_code text not null check (country_code ~ '^[0-9]{0,4}$'),
      price numeric(12, 6) not null check (price >= 0),
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      effective_from date not null,
      created_at timestamptz not null default now(),
      primary key (organization_id, category, country_code, effective_from)
    );

    -- One row per outbound message Meta priced: its latest priced status, and
    -- the price in force that day for its category and the longest matching
    -- calling code of the recipient.
    create view message_costs with (security_invoker = true) as
      select p.organization_id, p.wamid, m.campaign_id, p.contact, p.category, p.pricing_type,
        p.pricing_model, p.priced_at,
        (p.pricing_type in ('free_customer_service', 'free_entry_point')
          or (p.pricing_type is null and p.billable = false)) as free,
        r.price, r.currency,
        case when p.pricing_type in ('free_customer_service', 'free_entry_point')
          or (p.pricing_type is null and p.billable = false) then 0 else r.price end as estimated_cost
      from (
        select distinct on (e.wamid) e.organization_id, e.wamid,
          coalesce(e.recipient_id, e.recipient_user_id) as contact, e.recipient_id,
          lower(e.pricing_category) as category, e.pricing_type, e.pricing_model, e.billable,
          e.occurred_at as priced_at
        from message_status_events e
        where e.pricing_category is not null
        order by e.wamid, e.occurred_at desc
      ) p
      left join messages m on m.wamid = p.wamid and m.organization_id = p.organization_id
      left join lateral (
        select rc.price, rc.currency from rate_cards rc
        where rc.organization_id = p.organization_id and rc.category = p.category
          and starts_with(coalesce(p.recipient_id, ''), rc.country_code)
          and rc.effective_from <= (p.priced_at at time zone 'UTC')::date
        order by length(rc.country_code) desc, rc.effective_from desc
        limit 1
      ) r on true;

    create view campaign_spend with (security_invoker = true) as
      select campaign_id, organization_id,
        count(*) filter (where not free) as charged,
        count(*) filter (where free) as free,
        count(*) filter (where not free and price is null) as unpriced,
        sum(estimated_cost) as estimated_cost,
        min(currency) as currency
      from message_costs
      where campaign_id is not null
      group by campaign_id, organization_id;

    create view daily_spend with (security_invoker = true) as
      select organization_id, (priced_at at time zone 'UTC')::date as day, category,
        count(*) filter (where not free) as charged,
        count(*) filter (where free) as free,
        count(*) filter (where not free and price is null) as unpriced,
        sum(estimated_cost) as estimated_cost,
        min(currency) as currency
      from message_costs
      group by organization_id, (priced_at at time zone 'UTC')::date, category;

    comment on table rate_cards is 'Per organization: the price of one message per pricing category and recipient calling code, from a date on. Imported with: npm run cli -- rates import --org <slug> --csv <file>.';
    comment on column rate_cards.organization_id is 'Organization the prices apply to.';
    comment on column rate_cards.category is 'Pricing category as statuses name it: marketing, utility, authentication, authentication_international, service, marketing_lite.';
    comment on column rate_cards.country_code is 'Calling code the recipient''s number starts with (55, 1, 44, ...); the longest match wins; empty: any recipient.';
    comment on column rate_cards.price is 'Price of one charged message.';
    comment on column rate_cards.currency is 'ISO 4217 currency of the price.';
    comment on column rate_cards.effective_from is 'First UTC day the price applies; it applies until a later row for the same category and code.';
    comment on column rate_cards.created_at is 'When the row was imported.';

    comment on view message_costs is 'One row per outbound message Meta priced (its latest status with pricing), with the rate card price in force and the estimated cost; free messages cost 0.';
    comment on column message_costs.organization_id is 'Organization that sent the message.';
    comment on column message_costs.wamid is 'The message.';
    comment on column message_costs.campaign_id is 'Campaign of the message, if any.';
    comment on column message_costs.contact is 'Recipient: wa_id, else business-scoped user id.';
    comment on column message_costs.category is 'Pricing category (lower case).';
    comment on column message_costs.pricing_type is 'regular, free_customer_service or free_entry_point.';
    comment on column message_costs.pricing_model is 'PMP or CBP.';
    comment on column message_costs.priced_at is 'Time of the status that carried the pricing.';
    comment on column message_costs.free is 'Not charged: a free type, or (older statuses) billable false.';
    comment on column message_costs.price is 'Rate card price in force; null: no rate for its category and country.';
    comment on column message_costs.currency is 'Currency of the price.';
    comment on column message_costs.estimated_cost is 'Estimated cost: 0 when free, the price otherwise (null when unpriced).';

    comment on view campaign_spend is 'Estimated spend per campaign, free messages counted apart.';
    comment on column campaign_spend.campaign_id is 'Campaign.';
    comment on column campaign_spend.organization_id is 'Organization of the campaign.';
    comment on column campaign_spend.charged is 'Messages charged by Meta.';
    comment on column campaign_spend.free is 'Messages Meta did not charge.';
    comment on column campaign_spend.unpriced is 'Charged messages without a rate card price (not in estimated_cost).';
    comment on column campaign_spend.estimated_cost is 'Sum of the estimated costs.';
    comment on column campaign_spend.currency is 'Currency of the rate card.';

    comment on view daily_spend is 'Estimated spend per organization, UTC day and pricing category, free messages counted apart.';
    comment on column daily_spend.organization_id is 'Organization.';
    comment on column daily_spend.day is 'UTC day of the priced status.';
    comment on column daily_spend.category is 'Pricing category.';
    comment on column daily_spend.charged is 'Messages charged by Meta.';
    comment on column daily_spend.free is 'Messages Meta did not charge.';
    comment on column daily_spend.unpriced is 'Charged messages without a rate card price.';
    comment on column daily_spend.estimated_cost is 'Sum of the estimated costs.';
    comment on column daily_spend.currency is 'Currency of the rate card.';

    grant select on rate_cards, message_costs, campaign_spend, daily_spend to waba_analyst;
    alter table rate_cards enable row level security;
    create policy analyst_own_organization on rate_cards for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop view if exists daily_spend, campaign_spend, message_costs;
    drop table if exists rate_cards;
  `.execute(db);
}
