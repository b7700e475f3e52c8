// Parse OPDS feeds with Readium's r2-opds-js, as Thorium does, and print what a reading app
// would see: for each feed file given, its title, navigation links, facets and publications
// (title, language, authors, series, acquisition and image links). OPDS 1 (.xml) is read with
// the library's Atom mapping and converted to its OPDS 2 model; OPDS 2 (.json) is deserialized.
"use strict";
require("reflect-metadata");
const fs = require("fs");
const xmldom = require("@xmldom/xmldom");
const base = "r2-opds-js/dist/es8-es2017/src/opds/";
const { initGlobalConverters_OPDS, initGlobalConverters_GENERIC } = require(base + "init-globals");
const { OPDS } = require(base + "opds1/opds");
const { OPDSFeed } = require(base + "opds2/opds2");
const { convertOpds1ToOpds2 } = require(base + "converter");
const { XML } = require("r2-utils-js/dist/es8-es2017/src/_utils/xml-js-mapper");
const { TaJsonDeserialize, TaJsonSerialize } = require("r2-lcp-js/dist/es8-es2017/src/serializable");

initGlobalConverters_OPDS();
initGlobalConverters_GENERIC();

function summary(feed) {
  const json = TaJsonSerialize(feed);
  const links = (list) => (list || []).map((l) => ({ rel: l.rel, href: l.href, type: l.type, size: l.properties && l.properties.size }));
  return {
    title: json.metadata && json.metadata.title,
    links: links(json.links),
    navigation: links(json.navigation),
    facets: (json.facets || []).map((f) => ({ title: f.metadata.title, links: links(f.links) })),
    publications: (json.publications || []).map((p) => ({
      title: p.metadata.title,
      identifier: p.metadata.identifier,
      language: p.metadata.language,
      authors: (Array.isArray(p.metadata.author) ? p.metadata.author : p.metadata.author ? [p.metadata.author] : [])
        .map((a) => (typeof a === "string" ? a : a.name)),
      series: p.metadata.belongsTo && p.metadata.belongsTo.series,
      description: p.metadata.description,
      links: links(p.links),
      images: links(p.images),
    })),
  };
}

const out = {};
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  let feed;
  if (file.endsWith(".xml")) {
    const dom = new xmldom.DOMParser().parseFromString(text, "application/xml");
    const opds1 = XML.deserialize(dom, OPDS);
    feed = convertOpds1ToOpds2(opds1);
  } else {
    feed = TaJsonDeserialize(JSON.parse(text), OPDSFeed);
  }
  out[file] = summary(feed);
}
process.stdout.write(JSON.stringify(out, null, 1));
