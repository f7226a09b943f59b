"""Chat apps (decision 0105): act on Gongdan from DingTalk, Feishu and WeCom.

- `crypto`: each platform's callback signature and encryption, as its documentation specifies;
- `inbound`: a callback request → a verified, decrypted `Inbound` (or a refusal), per platform;
- `actions`: what an `Inbound` does here (decide an approval, acknowledge a page, take a ticket, open one);
- `cards`: the pipeline consumer that puts cards with buttons in the outbox;
- `delivery`: the outbox channel that sends them through each platform's API.
"""
