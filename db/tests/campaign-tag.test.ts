import { campaignTag, parseCampaignTag } from '@waba/db';

const ID = '0b6c7a4e-3f1d-4c2a-9e8b-5d4f3a2b1c0d';

describe('campaignTag() / parseCampaignTag()', () => {
  it('reads back the campaign id it wrote', () => {
    expect(campaignTag(ID)).toBe(`campaign:${ID}`);
    expect(parseCampaignTag(campaignTag(ID))).toBe(ID);
  });

  it.each([
    [`  campaign:${ID.toUpperCase()} `, ID],
    ['campaign:not-a-uuid', null],
    [`answer:${ID}:0`, null],
    [`campaign:${ID}:extra`, null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('parses %j as %j', (tag, expected) => {
    expect(parseCampaignTag(tag)).toBe(expected);
  });
});
