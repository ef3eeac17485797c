"""Tools around the crawl: the `crawler` console script, the offline demo, the multi-site runner,
fixture sites and the coverage table. They use the adapters and the stages; nothing imports them."""
