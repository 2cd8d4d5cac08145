// Writes retailtrace.postman_collection.json from the committed OpenAPI documents (../openapi/*.json):
//   node clients/postman/generate.mjs            (write)
//   node clients/postman/generate.mjs --check    (exit 1 when the committed collection differs)
// The collection is one walk through each API against a demo server (`dotnet run --project src/RetailTrace -- demo`),
// with the credentials the demo prints in the environment (demo.postman_environment.json names them). Each request
// is an operation of a document: its path, method, security and success status come from the document, so a
// request the documents no longer describe fails the generator, and a changed success status fails the run.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const documents = Object.fromEntries(["dispensary", "brand", "store", "admin"].map(family =>
  [family, JSON.parse(readFileSync(join(here, "..", "openapi", `${family}.json`), "utf8"))]));

// The walk: operations by id, in order. `path` fills the path parameters, `query` adds query parameters, `body` is the
// request body (JSON, or form fields for the token endpoint), `save` keeps values of the answer for later requests,
// `check` adds assertions on the answer, `status` overrides the documented success status (documented errors).
const walk = {
  admin: [
    { op: "Liveness" },
    { op: "AdminCreateBrand", body: { name: "Postman Brand" }, save: { postmanBrandUuid: "uuid" } },
    { op: "AdminRenameBrand", path: { uuid: "{{postmanBrandUuid}}" }, body: { name: "Postman Brand (renamed)" },
      check: ["pm.expect(json.name).to.eql('Postman Brand (renamed)');"] },
    { op: "AdminListPackageUidExports", path: { uuid: "{{dispensaryUuid}}" } },
  ],
  brand: [
    { op: "IssueToken", body: { form: { grant_type: "client_credentials", client_id: "{{brandClientId}}", client_secret: "{{brandClientSecret}}" } },
      save: { brandToken: "access_token" } },
    { op: "ProductsCreate", body: { name: "Postman Gummies", sku: "PM-GUM-1" }, save: { productUuid: "uuid" } },
    { op: "BatchesCreate", body: { name: "Postman Lot 1", regulatory_id: "1A4000000000022000000001" }, save: { batchUuid: "uuid" } },
    { op: "BatchPackagedProductCreate", path: { batchUuid: "{{batchUuid}}" }, body: { product_uuid: "{{productUuid}}" }, save: { packagedProductUuid: "uuid" } },
    { op: "CasesCreate", body: { contents: [{ packaged_product_uuid: "{{packagedProductUuid}}", quantity: 3 }] },
      save: { caseUuid: "case_uuid", lucidId: "contents.0.lucid_ids.0" }, check: ["pm.expect(json.contents[0].lucid_ids).to.have.lengthOf(3);"] },
    { op: "CasesGet", path: { uuid: "{{caseUuid}}" } },
    { op: "BatchesList", query: { page: "1" }, check: ["pm.expect(json.results.map(b => b.uuid)).to.include(pm.collectionVariables.get('batchUuid'));"] },
    { op: "BatchesPartialUpdate", path: { uuid: "{{batchUuid}}" }, body: { extraction_method: "CO2" } },
  ],
  dispensary: [
    { op: "IssueToken", body: { form: { grant_type: "client_credentials", client_id: "{{dispensaryClientId}}", client_secret: "{{dispensaryClientSecret}}" } },
      save: { dispensaryToken: "access_token" } },
    { op: "CaseIdsImport", body: { case_uuid: "{{caseUuid}}", packaged_product_uuid: "{{packagedProductUuid}}", pos_product_id: "PM-POS-1",
      pos_inventory_id: "PM-INV-1", package_uid: "PM-{{caseUuid}}" } },
    { op: "TransactionsComplete", body: { performed_at: "{{$isoTimestamp}}", items: ["{{lucidId}}"], order_id: "PM-{{caseUuid}}" } },
    { op: "DispensaryLucidIdTrace", path: { lucidId: "{{lucidId}}" }, check: ["pm.expect(json.state).to.eql('sold');"] },
    { op: "TransactionsVoid", body: { performed_at: "{{$isoTimestamp}}", order_id: "PM-{{caseUuid}}" } },
    { op: "GetPackageUidsExport", query: { export_date: "2999-01-01" }, status: 400,
      check: ["pm.expect(json.error).to.eql('export_date specified is a future date.');"] },
  ],
  store: [
    { op: "StoreGetBatchQuantityByInventory", query: { inventoryId: "{{vaultId}}" },
      save: { storeProductId: "values.0.productId", storeBatchId: "values.0.batchId" }, check: ["pm.expect(json.values).to.not.be.empty;"] },
    { op: "StoreGetBatches", query: { limit: "10" } },
    { op: "StoreCreateTransfer", body: { fromInventoryId: "{{vaultId}}", toInventoryId: "{{frontRoomId}}", currentEmployeeId: "{{employeeId}}",
      transferLogs: [{ productId: "{{storeProductId}}", fromBatchId: "{{storeBatchId}}", transferAmount: 1 }] },
      save: { transferId: "id" }, check: ["pm.expect(json.status).to.eql('PENDING');"] },
    { op: "StoreAcceptTransfer", path: { historyId: "{{transferId}}" }, body: { currentEmployeeId: "{{employeeId}}" },
      check: ["pm.expect(json.status).to.eql('ACCEPTED');"] },
    { op: "StoreGetTransfer", path: { historyId: "{{transferId}}" }, check: ["pm.expect(json.status).to.eql('ACCEPTED');"] },
  ],
};

// The credentials each security scheme of the documents takes, from the environment or an earlier answer.
const credentials = {
  dispensaryOAuth2: null, // the bearer token below stands for the OAuth2 flow
  brandOAuth2: null,
  dispensaryBearer: () => [["Authorization", "Bearer {{dispensaryToken}}"]],
  brandBearer: () => [["Authorization", "Bearer {{brandToken}}"]],
  adminToken: () => [["Authorization", "Bearer {{adminToken}}"]],
  partnerKey: () => [["partner_key", "{{partnerKey}}"]],
  developerKey: () => [["Authorization", "{{developerKey}}"]],
};

function find(family, id) {
  for (const [path, item] of Object.entries(documents[family].paths))
    for (const [method, operation] of Object.entries(item))
      if (operation.operationId === id) return { path, method, operation };
  throw new Error(`${family}: no operation ${id} in clients/openapi/${family}.json`);
}

function headers(family, operation) {
  const requirement = (operation.security ?? []).find(r => Object.keys(r).every(name => credentials[name]));
  return Object.keys(requirement ?? {}).flatMap(name => credentials[name](family)).map(([key, value]) => ({ key, value }));
}

function item(family, step) {
  const { path, method, operation } = find(family, step.op);
  const status = step.status ?? Number(Object.keys(operation.responses).find(s => s.startsWith("2")));
  if (!operation.responses[String(status)]) throw new Error(`${step.op}: status ${status} is not documented`);
  const filled = path.replace(/\{([^}]+)\}/g, (_, name) => step.path?.[name] ?? `{{${name}}}`);
  const query = Object.entries(step.query ?? {}).map(([key, value]) => ({ key, value }));
  const url = { raw: "{{baseUrl}}" + filled + (query.length ? "?" + query.map(q => `${q.key}=${q.value}`).join("&") : ""),
    host: ["{{baseUrl}}"], path: filled.split("/").filter((s, i, all) => s !== "" || i === all.length - 1) };
  if (query.length) url.query = query;
  const request = { method: method.toUpperCase(), header: headers(family, operation), url, description: operation.summary ?? "" };
  if (step.body?.form) {
    request.body = { mode: "urlencoded", urlencoded: Object.entries(step.body.form).map(([key, value]) => ({ key, value })) };
  } else if (step.body) {
    request.header.push({ key: "Content-Type", value: "application/json" });
    request.body = { mode: "raw", raw: JSON.stringify(step.body, null, 2), options: { raw: { language: "json" } } };
  }
  const saves = Object.entries(step.save ?? {}).map(([name, field]) =>
    `pm.collectionVariables.set(${JSON.stringify(name)}, ${JSON.stringify(field)}.split('.').reduce((v, k) => v[k], json));`);
  const exec = [
    `pm.test(${JSON.stringify(`${step.op} answers ${status}`)}, () => pm.response.to.have.status(${status}));`,
    ...(saves.length || step.check ? ["const json = pm.response.json();"] : []),
    ...(step.check ?? []).map(line => `pm.test(${JSON.stringify(line)}, () => { ${line} });`),
    ...saves,
  ];
  return { name: `${step.op}: ${method.toUpperCase()} ${path}`, event: [{ listen: "test", script: { type: "text/javascript", exec } }], request };
}

const collection = {
  info: {
    name: "RetailTrace",
    description: "Generated by clients/postman/generate.mjs from clients/openapi/*.json: a walk through the Admin, Brand v1.5, Dispensary v1.2 and Store (BLAZE) APIs against a demo server. Run it with newman and the credentials the demo prints (see demo.postman_environment.json).",
    schema: "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
  },
  item: Object.entries(walk).map(([family, steps]) => ({ name: documents[family].info.title, item: steps.map(step => item(family, step)) })),
  variable: [{ key: "baseUrl", value: "http://127.0.0.1:5080" }],
};

const file = join(here, "retailtrace.postman_collection.json");
const text = JSON.stringify(collection, null, 2) + "\n";
if (process.argv.includes("--check")) {
  if (readFileSync(file, "utf8") !== text) {
    console.error("clients/postman/retailtrace.postman_collection.json is not what generate.mjs makes from clients/openapi: run `node clients/postman/generate.mjs`.");
    process.exit(1);
  }
} else writeFileSync(file, text);
