using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Node;
using BasedAI.Ledger.State;
using BasedAI.Ledger.Yuma;

namespace BasedAI.Host.Commands;

/// <summary>
/// The ledger's command groups, in the spirit of btcli: <c>wallet</c>, <c>brain</c>, <c>memorize</c>, <c>stake</c>,
/// <c>weights</c>, <c>stem</c>, <c>gigabrain</c>, <c>yuma</c> and <c>node</c>. Commands that touch the chain talk JSON-RPC
/// to a node (<c>--node</c>, default http://127.0.0.1:9944); keys never leave this process.
/// </summary>
internal static class LedgerCommands
{
    private static readonly Option<string> NodeOption = new("--node")
    {
        Description = "JSON-RPC address of a ledger node (default $BASEDAI_NODE or http://127.0.0.1:9944)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("BASEDAI_NODE") is { Length: > 0 } url ? url : "http://127.0.0.1:9944",
    };

    private static readonly Option<string> WalletPathOption = new("--wallet-path")
    {
        Description = "Folder of wallets (default $BASEDAI_WALLET_PATH or ~/.basedai/wallets)",
        DefaultValueFactory = _ => WalletStore.DefaultRoot,
    };

    private static readonly Option<string> WalletOption = new("--wallet", "-w")
    {
        Description = "Wallet name",
        DefaultValueFactory = _ => "default",
    };

    private static readonly Option<string> ComputekeyOption = new("--computekey", "-c")
    {
        Description = "Computekey name inside the wallet",
        DefaultValueFactory = _ => "default",
    };

    private static readonly Option<FileInfo?> PasswordFileOption = new("--password-file")
    {
        Description = "File holding the key password (else $BASEDAI_PASSWORD, else a prompt)",
    };

    private static readonly Option<string> KdfOption = new("--kdf")
    {
        Description = "scrypt cost of new key files: standard (N=2^18) or light (N=2^12, p=6)",
        DefaultValueFactory = _ => "standard",
    };

    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print JSON instead of a table" };

    private static readonly Option<bool> NoWaitOption = new("--no-wait") { Description = "Return after submitting instead of waiting for inclusion" };

    private static readonly Option<ushort> BrainOption = new("--brain", "-b") { Description = "Brain number", Required = true };

    public static IEnumerable<Command> Create()
    {
        yield return WalletCommand();
        yield return BrainCommand();
        yield return MemorizeCommand();
        yield return StakeCommand();
        yield return WeightsCommand();
        yield return StemCommand();
        yield return GigaBrainCommand();
        yield return YumaCommand();
        yield return NodeCommand();
    }

    // ---- wallet ------------------------------------------------------------------------------------------------------------

    private static Command WalletCommand()
    {
        var wallet = new Command("wallet", "Create, import, list and use wallets (personalkey + computekeys, encrypted key files)");

        var words = new Option<int>("--words") { Description = "Mnemonic length: 12 or 24 words", DefaultValueFactory = _ => 12 };
        var create = new Command("create", "Create a wallet: a personalkey and a computekey, each from a new mnemonic shown once")
        {
            WalletPathOption, WalletOption, ComputekeyOption, PasswordFileOption, KdfOption, words, JsonOption,
        };
        create.SetHandler(parse =>
        {
            WalletStore store = Store(parse);
            string name = parse.GetValue(WalletOption)!;
            (string personal, string compute) = store.Create(name, ReadPassword(parse, confirm: true), parse.GetValue(ComputekeyOption)!, parse.GetValue(words));
            WalletInfo info = store.Get(name);
            Print(parse, new JsonObject
            {
                ["wallet"] = name,
                ["personalkey"] = info.Personalkey?.ToString(),
                ["computekey"] = info.Computekeys[0].Address.ToString(),
                ["personalkey_mnemonic"] = personal,
                ["computekey_mnemonic"] = compute,
            }, () =>
            {
                Console.WriteLine($"Wallet '{name}' created in {store.Root}");
                Console.WriteLine($"  personalkey {info.Personalkey}");
                Console.WriteLine($"  computekey  {info.Computekeys[0].Name} {info.Computekeys[0].Address}");
                Console.WriteLine("Write these mnemonics down; they are shown only now and restore the keys:");
                Console.WriteLine($"  personalkey: {personal}");
                Console.WriteLine($"  computekey:  {compute}");
            });
            return ExitCodes.Success;
        });

        var mnemonic = new Option<string?>("--mnemonic") { Description = "BIP-39 mnemonic to restore from" };
        var index = new Option<int>("--index") { Description = "Account index in m/44'/60'/0'/0/INDEX", DefaultValueFactory = _ => 0 };
        var keyFile = new Option<FileInfo?>("--keyfile") { Description = "Ethereum v3 key file (geth, MetaMask, basedai export)" };
        var asComputekey = new Option<string?>("--as-computekey") { Description = "Import as this computekey instead of the personalkey" };
        var import = new Command("import", "Import a personalkey (or a computekey) from a mnemonic or an Ethereum v3 key file")
        {
            WalletPathOption, WalletOption, PasswordFileOption, KdfOption, mnemonic, index, keyFile, asComputekey, JsonOption,
        };
        import.SetHandler(parse =>
        {
            WalletStore store = Store(parse);
            string name = parse.GetValue(WalletOption)!;
            string? computekey = parse.GetValue(asComputekey);
            EthereumAddress address;
            if (parse.GetValue(keyFile) is { } file)
            {
                address = store.ImportKeyFile(name, File.ReadAllText(file.FullName), ReadPassword(parse));
            }
            else if (parse.GetValue(mnemonic) is { } words)
            {
                if (!Bip39.TryValidate(words, out string? error))
                {
                    throw new FormatException($"invalid mnemonic: {error}");
                }
                string path = $"m/44'/60'/0'/0/{parse.GetValue(index)}";
                string password = ReadPassword(parse, confirm: true);
                address = computekey is null ? store.ImportPersonalkey(name, words, password, path: path) : store.ImportComputekey(name, computekey, words, password, path: path);
            }
            else
            {
                throw new ArgumentException("give --mnemonic or --keyfile");
            }
            Print(parse, new JsonObject { ["wallet"] = name, ["address"] = address.ToString(), ["computekey"] = computekey },
                () => Console.WriteLine($"Imported {(computekey is null ? "personalkey" : $"computekey '{computekey}'")} {address} into wallet '{name}'"));
            return ExitCodes.Success;
        });

        var output = new Option<FileInfo>("--out") { Description = "Where to write the (still encrypted) key file", Required = true };
        var exportComputekey = new Option<string?>("--computekey") { Description = "Export this computekey instead of the personalkey" };
        var export = new Command("export", "Write a key file (Ethereum v3, still encrypted) for another wallet or machine")
        {
            WalletPathOption, WalletOption, exportComputekey, output,
        };
        export.SetHandler(parse =>
        {
            string json = Store(parse).ExportKeyFile(parse.GetValue(WalletOption)!, parse.GetValue(exportComputekey));
            FileInfo target = parse.GetValue(output)!;
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var writer = new StreamWriter(target.FullName, options))
            {
                writer.Write(json);
            }
            Console.WriteLine($"Wrote {target.FullName}");
            return ExitCodes.Success;
        });

        var list = new Command("list", "List wallets and their addresses") { WalletPathOption, JsonOption };
        list.SetHandler(parse =>
        {
            IReadOnlyList<WalletInfo> wallets = Store(parse).List();
            Print(parse, new JsonArray(wallets.Select(w => (JsonNode)new JsonObject
            {
                ["wallet"] = w.Name,
                ["personalkey"] = w.Personalkey?.ToString(),
                ["computekeys"] = new JsonArray(w.Computekeys.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["address"] = c.Address.ToString() }).ToArray<JsonNode?>()),
            }).ToArray<JsonNode?>()), () =>
            {
                foreach (WalletInfo w in wallets)
                {
                    Console.WriteLine($"{w.Name}  personalkey {w.Personalkey?.ToString() ?? "-"}");
                    foreach (ComputekeyInfo c in w.Computekeys)
                    {
                        Console.WriteLine($"    computekey {c.Name,-16} {c.Address}");
                    }
                }
                if (wallets.Count == 0)
                {
                    Console.WriteLine($"No wallets in {Store(parse).Root}");
                }
            });
            return ExitCodes.Success;
        });

        var addComputekey = new Command("new-computekey", "Add a computekey from a new mnemonic (shown once)")
        {
            WalletPathOption, WalletOption, ComputekeyOption, PasswordFileOption, KdfOption, words,
        };
        addComputekey.SetHandler(parse =>
        {
            WalletStore store = Store(parse);
            string name = parse.GetValue(WalletOption)!, key = parse.GetValue(ComputekeyOption)!;
            string phrase = store.AddComputekey(name, key, ReadPassword(parse, confirm: true), parse.GetValue(words));
            Console.WriteLine($"Computekey '{key}' {store.Get(name).Computekeys.First(c => c.Name == key).Address}");
            Console.WriteLine($"Mnemonic (shown once): {phrase}");
            return ExitCodes.Success;
        });

        var address = new Option<string?>("--address") { Description = "Any address instead of the wallet's personalkey" };
        var balance = new Command("balance", "BASED balance, stake and Pepecoin of the personalkey (or --address)")
        {
            NodeOption, WalletPathOption, WalletOption, address, JsonOption,
        };
        balance.SetHandler(async (parse, token) =>
        {
            EthereumAddress target = parse.GetValue(address) is { } text ? EthereumAddress.Parse(text) : PersonalkeyAddress(parse);
            return await WithNode(parse, async client =>
            {
                JsonNode account = (await client.CallAsync("account_get", [target.ToString()], token))!;
                Print(parse, account, () =>
                {
                    Console.WriteLine($"{target}");
                    Console.WriteLine($"  balance   {Based(account["balance"])} BASED");
                    Console.WriteLine($"  staked    {Based(account["staked"])} BASED");
                    Console.WriteLine($"  pepecoin  {Based(account["pepecoin"])} PEPE");
                    Console.WriteLine($"  nonce     {account["nonce"]}");
                });
            });
        });

        var to = new Option<string>("--to") { Description = "Destination address", Required = true };
        var amount = new Option<string>("--amount") { Description = "Amount in BASED (e.g. 12.5)", Required = true };
        var transfer = new Command("transfer", "Send BASED from the personalkey")
        {
            NodeOption, WalletPathOption, WalletOption, PasswordFileOption, to, amount, NoWaitOption, JsonOption,
        };
        transfer.SetHandler((parse, token) => SubmitWithPersonalkey(parse, new TransferCall(EthereumAddress.Parse(parse.GetValue(to)!), Units.ParseAmount(parse.GetValue(amount)!)), token));

        wallet.Subcommands.Add(create);
        wallet.Subcommands.Add(import);
        wallet.Subcommands.Add(export);
        wallet.Subcommands.Add(list);
        wallet.Subcommands.Add(addComputekey);
        wallet.Subcommands.Add(balance);
        wallet.Subcommands.Add(transfer);
        return wallet;
    }

    // ---- brain -------------------------------------------------------------------------------------------------------------

    private static Command BrainCommand()
    {
        var brain = new Command("brain", "List, acquire, configure and deactivate Brains");
        var list = new Command("list", "All active Brains") { NodeOption, JsonOption };
        list.SetHandler((parse, token) => WithNode(parse, async client =>
        {
            JsonArray brains = (await client.CallAsync("brain_list", null, token))!.AsArray();
            Print(parse, brains, () =>
            {
                Console.WriteLine($"{"ID",4} {"NAME",-20} {"OWNER",-42} {"METHOD",-6} {"NODES",5} {"STAKE (BASED)",16} {"GIGA",4}");
                foreach (JsonNode? b in brains)
                {
                    Console.WriteLine($"{b!["id"],4} {Truncate(b["name"]!.GetValue<string>(), 20),-20} {b["owner"],-42} {b["method"],-6} {b["nodes"],5} {Based(b["total_stake"]),16} {(b["gigabrain"]!.GetValue<bool>() ? "yes" : ""),4}");
                }
            });
        }));

        var id = new Argument<ushort>("brain") { Description = "Brain number" };
        var show = new Command("show", "One Brain with its settings and hyperparameters") { NodeOption, JsonOption, id };
        show.SetHandler((parse, token) => WithNode(parse, async client =>
        {
            JsonNode b = await client.CallAsync("brain_get", [parse.GetValue(id)], token) ?? throw new ArgumentException($"Brain {parse.GetValue(id)} does not exist");
            Print(parse, b, () =>
            {
                foreach ((string key, JsonNode? value) in b.AsObject())
                {
                    if (value is JsonObject nested)
                    {
                        foreach ((string k, JsonNode? v) in nested)
                        {
                            Console.WriteLine($"  {k,-28} {v}");
                        }
                    }
                    else
                    {
                        Console.WriteLine($"{key,-30} {value}");
                    }
                }
            });
        }));

        var method = new Option<string>("--method") { Description = "burn (transferable) or stake (100,000 PEPE locked 90 days)", DefaultValueFactory = _ => "burn" };
        method.AcceptOnlyFromAmong("burn", "stake");
        var brainName = new Option<string>("--brain-name") { Description = "Display name of the Brain", Required = true };
        var acquire = new Command("acquire", "Acquire a Brain with Pepecoin")
        {
            NodeOption, WalletPathOption, WalletOption, PasswordFileOption, method, brainName, NoWaitOption, JsonOption,
        };
        acquire.SetHandler((parse, token) => SubmitWithPersonalkey(parse,
            new AcquireBrainCall(parse.GetValue(method) == "stake" ? AcquisitionMethod.Stake : AcquisitionMethod.Burn, parse.GetValue(brainName)!), token));

        var setName = new Option<string?>("--brain-name") { Description = "New display name" };
        var task = new Option<string?>("--task") { Description = "Task plugin id" };
        var taskVersion = new Option<string?>("--task-version") { Description = "Task plugin version" };
        var ownerShare = new Option<string?>("--owner-share") { Description = "Owner's share of the Brain's emission in percent (default 25)" };
        var fee = new Option<string?>("--registration-fee") { Description = "Fee new nodes pay the owner, BASED (applies to later registrations only)" };
        var hyper = new Option<string[]>("--hyperparameter") { Description = "NAME=VALUE, e.g. tempo=99 (repeatable): tempo, kappa, bonds_moving_average, activity_cutoff, immunity_period, min_allowed_weights, max_weight_limit, weights_rate_limit, active_validator_percentile, max_allowed_validators", AllowMultipleArgumentsPerToken = true };
        var set = new Command("set", "Change a Brain's settings (owner only)")
        {
            NodeOption, WalletPathOption, WalletOption, PasswordFileOption, BrainOption, setName, task, taskVersion, ownerShare, fee, hyper, NoWaitOption, JsonOption,
        };
        set.SetHandler(async (parse, token) =>
        {
            ushort brainId = parse.GetValue(BrainOption);
            var calls = new List<ExtrinsicCall>();
            ushort? share = parse.GetValue(ownerShare) is { } percent ? ParsePercentBps(percent) : null;
            ulong? registrationFee = parse.GetValue(fee) is { } f ? Units.ParseAmount(f) : null;
            if (parse.GetValue(setName) is not null || parse.GetValue(task) is not null || parse.GetValue(taskVersion) is not null || share is not null || registrationFee is not null)
            {
                calls.Add(new SetBrainSettingsCall(brainId, parse.GetValue(setName), parse.GetValue(task), parse.GetValue(taskVersion), share, registrationFee));
            }
            foreach (string pair in parse.GetValue(hyper) ?? [])
            {
                calls.Add(ParseHyperparameter(brainId, pair));
            }
            if (calls.Count == 0)
            {
                throw new ArgumentException("nothing to set: give --brain-name, --task, --task-version, --owner-share, --registration-fee or --hyperparameter");
            }
            int code = ExitCodes.Success;
            foreach (ExtrinsicCall call in calls)
            {
                code = Math.Max(code, await SubmitWithPersonalkey(parse, call, token));
            }
            return code;
        });

        var newOwner = new Option<string>("--to") { Description = "New owner address", Required = true };
        var transfer = new Command("transfer", "Give a burn-acquired Brain to another owner")
        {
            NodeOption, WalletPathOption, WalletOption, PasswordFileOption, BrainOption, newOwner, NoWaitOption, JsonOption,
        };
        transfer.SetHandler((parse, token) => SubmitWithPersonalkey(parse, new TransferBrainCall(parse.GetValue(BrainOption), EthereumAddress.Parse(parse.GetValue(newOwner)!)), token));

        var deactivate = new Command("deactivate", "Deactivate a stake-acquired Brain after its 90-day lock: unlocks the Pepecoin, frees the slot")
        {
            NodeOption, WalletPathOption, WalletOption, PasswordFileOption, BrainOption, NoWaitOption, JsonOption,
        };
        deactivate.SetHandler((parse, token) => SubmitWithPersonalkey(parse, new DeactivateBrainCall(parse.GetValue(BrainOption)), token));

        brain.Subcommands.Add(list);
        brain.Subcommands.Add(show);
        brain.Subcommands.Add(acquire);
        brain.Subcommands.Add(set);
        brain.Subcommands.Add(transfer);
        brain.Subcommands.Add(deactivate);
        return brain;
    }

    // ---- memorize, stake, weights, stem ------------------------------------------------------------------------------------

    private static Command MemorizeCommand()
    {
        var role = new Option<string>("--role") { Description = "miner or validator", Required = true };
        role.AcceptOnlyFromAmong("miner", "validator");
        var memorize = new Command("memorize", "Register a computekey on a Brain as miner or validator, paying the Brain's registration fee")
        {
            NodeOption, WalletPathOption, WalletOption, ComputekeyOption, PasswordFileOption, BrainOption, role, NoWaitOption, JsonOption,
        };
        memorize.SetHandler(async (parse, token) =>
        {
            WalletStore store = Store(parse);
            string wallet = parse.GetValue(WalletOption)!, computekeyName = parse.GetValue(ComputekeyOption)!;
            string password = ReadPassword(parse);
            byte[] personal = store.UnlockPersonalkey(wallet, password);
            byte[] compute = store.UnlockComputekey(wallet, computekeyName, password);
            ushort brain = parse.GetValue(BrainOption);
            return await WithNodeCode(parse, async client =>
            {
                Hash32 genesis = Hash32.Parse((await client.CallAsync("system_info", null, token))!["genesis"]!.GetValue<string>());
                EthereumAddress computekey = EthereumAddress.FromPrivateKey(compute);
                byte[] proof = Secp256k1.SignRecoverable(MemorizeCall.ProofMessage(genesis, brain, EthereumAddress.FromPrivateKey(personal), computekey).ToArray(), compute);
                var call = new MemorizeCall(brain, computekey, parse.GetValue(role) == "validator" ? NodeRole.Validator : NodeRole.Miner, proof);
                return await SubmitAndReport(parse, client, call, personal, token);
            });
        });
        return memorize;
    }

    private static Command StakeCommand()
    {
        var stake = new Command("stake", "Stake BASED on (or delegate to) a validator's computekey, and take it back");
        var target = new Option<string?>("--computekey-address") { Description = "Computekey to stake on (default: this wallet's --computekey)" };
        var amount = new Option<string>("--amount") { Description = "Amount in BASED", Required = true };
        Command Make(string name, string description, Func<ushort, EthereumAddress, ulong, ExtrinsicCall> build)
        {
            var command = new Command(name, description)
            {
                NodeOption, WalletPathOption, WalletOption, ComputekeyOption, PasswordFileOption, BrainOption, target, amount, NoWaitOption, JsonOption,
            };
            command.SetHandler((parse, token) =>
            {
                EthereumAddress computekey = parse.GetValue(target) is { } text ? EthereumAddress.Parse(text) : ComputekeyAddress(parse);
                return SubmitWithPersonalkey(parse, build(parse.GetValue(BrainOption), computekey, Units.ParseAmount(parse.GetValue(amount)!)), token);
            });
            return command;
        }

        var address = new Option<string?>("--address") { Description = "Staker or computekey to filter by (default: this wallet's personalkey)" };
        var all = new Option<bool>("--all") { Description = "Every stake on the chain" };
        var show = new Command("show", "Stakes by staker or computekey") { NodeOption, WalletPathOption, WalletOption, address, all, JsonOption };
        show.SetHandler((parse, token) => WithNode(parse, async client =>
        {
            string? filter = parse.GetValue(all) ? null : (parse.GetValue(address) ?? PersonalkeyAddress(parse).ToString());
            JsonArray stakes = (await client.CallAsync("stake_list", [filter], token))!.AsArray();
            Print(parse, stakes, () =>
            {
                Console.WriteLine($"{"BRAIN",5} {"COMPUTEKEY",-42} {"STAKER",-42} {"AMOUNT (BASED)",16} {"TAKE",6}");
                foreach (JsonNode? s in stakes)
                {
                    Console.WriteLine($"{s!["brain"],5} {s["computekey"],-42} {s["staker"],-42} {Based(s["amount"]),16} {s["take"]!.GetValue<int>() * 100.0 / 65535,5:0.0}%");
                }
            });
        }));

        var take = new Option<string>("--take") { Description = "Share of delegators' dividends the validator keeps, percent", Required = true };
        var setTake = new Command("set-take", "Set the take of one of your validator computekeys")
        {
            NodeOption, WalletPathOption, WalletOption, ComputekeyOption, PasswordFileOption, BrainOption, take, NoWaitOption, JsonOption,
        };
        setTake.SetHandler((parse, token) =>
        {
            ushort bps = ParsePercentBps(parse.GetValue(take)!);
            return SubmitWithPersonalkey(parse, new SetTakeCall(parse.GetValue(BrainOption), ComputekeyAddress(parse), (ushort)(bps * 65535UL / 10_000)), token);
        });

        stake.Subcommands.Add(Make("add", "Stake from the personalkey's balance", (b, c, a) => new AddStakeCall(b, c, a)));
        stake.Subcommands.Add(Make("remove", "Return stake to the personalkey's balance", (b, c, a) => new RemoveStakeCall(b, c, a)));
        stake.Subcommands.Add(show);
        stake.Subcommands.Add(setTake);
        return stake;
    }

    private static Command WeightsCommand()
    {
        var weights = new Command("weights", "Set and read validator weights");
        var uids = new Option<string>("--uids") { Description = "Comma-separated UIDs, e.g. 3,4,5", Required = true };
        var values = new Option<string>("--values") { Description = "Comma-separated weights (any scale; stored max-upscaled to 65535)", Required = true };
        var set = new Command("set", "Set this computekey's weights on a Brain (signed by the computekey)")
        {
            NodeOption, WalletPathOption, WalletOption, ComputekeyOption, PasswordFileOption, BrainOption, uids, values, NoWaitOption, JsonOption,
        };
        set.SetHandler(async (parse, token) =>
        {
            ushort[] targets = ParseU16List(parse.GetValue(uids)!, "--uids");
            ushort[] raw = ParseU16List(parse.GetValue(values)!, "--values");
            byte[] key = Store(parse).UnlockComputekey(parse.GetValue(WalletOption)!, parse.GetValue(ComputekeyOption)!, ReadPassword(parse));
            return await WithNodeCode(parse, client => SubmitAndReport(parse, client, new SetWeightsCall(parse.GetValue(BrainOption), targets, raw), key, token));
        });
        var show = new Command("show", "Stored weights of a Brain") { NodeOption, BrainOption, JsonOption };
        show.SetHandler((parse, token) => WithNode(parse, async client =>
        {
            JsonNode rows = await client.CallAsync("weights_get", [parse.GetValue(BrainOption)], token) ?? throw new ArgumentException($"Brain {parse.GetValue(BrainOption)} does not exist");
            Print(parse, rows, () =>
            {
                foreach (JsonNode? row in rows.AsArray())
                {
                    Console.WriteLine($"UID {row!["uid"],4}: {string.Join(' ', row["weights"]!.AsArray().Select(e => $"{e![0]}:{e[1]}"))}");
                }
            });
        }));
        weights.Subcommands.Add(set);
        weights.Subcommands.Add(show);
        return weights;
    }

    private static Command StemCommand()
    {
        var id = new Argument<ushort>("brain") { Description = "Brain number" };
        var stem = new Command("stem", "The metagraph of a Brain: every UID with stake, permits and the last epoch's outputs") { NodeOption, JsonOption, id };
        stem.SetHandler((parse, token) => WithNode(parse, async client =>
        {
            JsonNode result = await client.CallAsync("stem_get", [parse.GetValue(id)], token) ?? throw new ArgumentException($"Brain {parse.GetValue(id)} does not exist");
            Print(parse, result, () =>
            {
                Console.WriteLine($"Brain {result["id"]} '{result["name"]}'  nodes {result["nodes"]}  stake {Based(result["total_stake"])} BASED  pending {Based(result["pending_emission"])}  last epoch {result["last_epoch"]}");
                Console.WriteLine($"{"UID",4} {"ROLE",-9} {"COMPUTEKEY",-42} {"STAKE",14} {"RANK",6} {"TRUST",6} {"CONS",6} {"INCEN",6} {"DIVS",6} {"VTRUST",6} {"P",1} {"EMISSION",12} {"CREDITS",9}");
                foreach (JsonNode? n in result["neurons"]!.AsArray())
                {
                    Console.WriteLine($"{n!["uid"],4} {n["role"],-9} {n["computekey"],-42} {Based(n["stake"]),14} {Ratio(n["rank"]),6} {Ratio(n["trust"]),6} {Ratio(n["consensus"]),6} {Ratio(n["incentive"]),6} {Ratio(n["dividends"]),6} {Ratio(n["validator_trust"]),6} {(n["validator_permit"]!.GetValue<bool>() ? "*" : " "),1} {Based(n["emission"]),12} {n["credits"]!.GetValue<double>(),9:0.0000}");
                }
            });
        }));
        return stem;
    }

    // ---- gigabrain, yuma, node ---------------------------------------------------------------------------------------------

    private static Command GigaBrainCommand()
    {
        var giga = new Command("gigabrain", "Governance by GigaBrains (Brains with at least 0.5% of total stake, one vote each)");
        var title = new Option<string>("--title") { Description = "Proposal title", Required = true };
        var body = new Option<string>("--body") { Description = "Proposal text", DefaultValueFactory = _ => "" };
        var propose = new Command("propose", "Open a proposal as the owner of a GigaBrain")
        {
            NodeOption, WalletPathOption, WalletOption, PasswordFileOption, BrainOption, title, body, NoWaitOption, JsonOption,
        };
        propose.SetHandler((parse, token) => SubmitWithPersonalkey(parse, new ProposeCall(parse.GetValue(BrainOption), parse.GetValue(title)!, parse.GetValue(body)!), token));
        var proposal = new Option<uint>("--proposal") { Description = "Proposal number", Required = true };
        var reject = new Option<bool>("--reject") { Description = "Vote no (default: yes)" };
        var vote = new Command("vote", "Vote with a GigaBrain you own")
        {
            NodeOption, WalletPathOption, WalletOption, PasswordFileOption, BrainOption, proposal, reject, NoWaitOption, JsonOption,
        };
        vote.SetHandler((parse, token) => SubmitWithPersonalkey(parse, new VoteCall(parse.GetValue(proposal), parse.GetValue(BrainOption), !parse.GetValue(reject)), token));
        var list = new Command("list", "Proposals and their status") { NodeOption, JsonOption };
        list.SetHandler((parse, token) => WithNode(parse, async client =>
        {
            JsonArray proposals = (await client.CallAsync("proposal_list", null, token))!.AsArray();
            Print(parse, proposals, () =>
            {
                foreach (JsonNode? p in proposals)
                {
                    Console.WriteLine($"#{p!["id"]} [{p["status"]}] '{p["title"]}' by Brain {p["proposer_brain"]}: yes {p["yes"]} no {p["no"]}, closes at block {p["ends_at"]}{(p["default_pass"]!.GetValue<bool>() ? " (first year: passes unless voted down)" : "")}");
                }
            });
        }));
        giga.Subcommands.Add(propose);
        giga.Subcommands.Add(vote);
        giga.Subcommands.Add(list);
        return giga;
    }

    private static Command YumaCommand()
    {
        var yuma = new Command("yuma", "Yuma consensus tools");
        var scenario = new Argument<FileInfo>("scenario") { Description = "Scenario JSON (docs/yuma-scenarios.md)" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the output JSON here instead of stdout" };
        var run = new Command("run", "Run Yuma epochs on a scenario (stakes, hyperparameters, per-block weights and registrations) and print each epoch's outputs as JSON")
        {
            scenario, output,
        };
        run.SetHandler(parse =>
        {
            FileInfo file = parse.GetValue(scenario)!;
            if (!file.Exists)
            {
                throw new FileNotFoundException($"scenario file {file.FullName} does not exist");
            }
            string result = YumaScenario.Run(File.ReadAllText(file.FullName));
            if (parse.GetValue(output) is { } target)
            {
                File.WriteAllText(target.FullName, result);
            }
            else
            {
                Console.WriteLine(result);
            }
            return ExitCodes.Success;
        });
        yuma.Subcommands.Add(run);
        return yuma;
    }

    private static Command NodeCommand()
    {
        var node = new Command("node", "Run a ledger node");
        var dev = new Option<bool>("--dev") { Description = "Dev chain: well-known keys (mnemonic 'test test ... junk', accounts 0-3 endowed), local sealing", Required = true };
        var dataDir = new Option<DirectoryInfo>("--data-dir") { Description = "Folder for ledger.db", Required = true };
        var blockTime = new Option<string>("--block-time") { Description = "Seconds per block (e.g. 10s, 500ms), 'instant' (when transactions arrive) or 'manual' (dev_produceBlock only)", DefaultValueFactory = _ => "10s" };
        var port = new Option<int>("--rpc-port") { Description = "JSON-RPC port on 127.0.0.1 (0 = any free port)", DefaultValueFactory = _ => 9944 };
        var endow = new Option<string[]>("--endow") { Description = "ADDRESS=BASED[:PEPECOIN] extra genesis balance (repeatable; only for a new data dir)", AllowMultipleArgumentsPerToken = true };
        var run = new Command("run", "Run a node: seal blocks and serve JSON-RPC until Ctrl+C") { dev, dataDir, blockTime, port, endow };
        run.SetHandler(async (parse, token) =>
        {
            (BlockProduction production, TimeSpan interval) = ParseBlockTime(parse.GetValue(blockTime)!);
            var extra = (parse.GetValue(endow) ?? []).Select(ParseEndowment).ToArray();
            (Ledger.Runtime.GenesisConfig genesis, byte[] authority) = DevGenesis.Create(extra);
            await using LedgerNode ledger = await LedgerNode.StartAsync(new LedgerNodeOptions
            {
                DataDirectory = parse.GetValue(dataDir)!.FullName,
                Genesis = genesis,
                AuthorityKey = authority,
                Production = production,
                BlockTime = interval,
                RpcPort = parse.GetValue(port),
            }, token);
            ledger.Read(chain =>
            {
                Console.WriteLine($"basedai dev node: chain {chain.State.ChainName}, genesis {chain.GenesisHash}");
                Console.WriteLine($"head {chain.Head.Height} ({chain.Head.Hash}), state root {chain.StateRoot}");
                return 0;
            });
            Console.WriteLine($"JSON-RPC on {ledger.RpcEndpoint}  production: {production}{(production == BlockProduction.Interval ? $" every {interval.TotalSeconds:0.###} s" : "")}");
            Console.Out.Flush();
            ledger.BlockCommitted += block =>
                Console.WriteLine($"block {block.Block.Header.Height} {block.Block.Hash} txs {block.Receipts.Count} failed {block.Receipts.Count(r => !r.Success)}");
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
            }
            return ExitCodes.Success;
        });
        node.Subcommands.Add(run);
        return node;
    }

    // ---- helpers -----------------------------------------------------------------------------------------------------------

    private static WalletStore Store(ParseResult parse)
    {
        ScryptCost cost = parse.GetResult(KdfOption) is null ? ScryptCost.Standard : parse.GetValue(KdfOption) switch
        {
            "standard" => ScryptCost.Standard,
            "light" => ScryptCost.Light,
            var other => throw new ArgumentException($"--kdf must be standard or light, not '{other}'"),
        };
        return new WalletStore(parse.GetValue(WalletPathOption)!, cost);
    }

    private static EthereumAddress PersonalkeyAddress(ParseResult parse)
    {
        string wallet = parse.GetValue(WalletOption)!;
        return Store(parse).Get(wallet).Personalkey ?? throw new ArgumentException($"wallet '{wallet}' has no personalkey");
    }

    private static EthereumAddress ComputekeyAddress(ParseResult parse)
    {
        string wallet = parse.GetValue(WalletOption)!, name = parse.GetValue(ComputekeyOption)!;
        return Store(parse).Get(wallet).Computekeys.FirstOrDefault(c => c.Name == name)?.Address
            ?? throw new ArgumentException($"wallet '{wallet}' has no computekey '{name}'");
    }

    private static string ReadPassword(ParseResult parse, bool confirm = false)
    {
        if (parse.GetValue(PasswordFileOption) is { } file)
        {
            return File.ReadAllText(file.FullName).TrimEnd('\r', '\n');
        }
        if (Environment.GetEnvironmentVariable("BASEDAI_PASSWORD") is { } fromEnvironment)
        {
            return fromEnvironment;
        }
        if (Console.IsInputRedirected)
        {
            throw new ArgumentException("no password: pass --password-file or set BASEDAI_PASSWORD");
        }
        string password = Prompt("Password: ");
        if (confirm && Prompt("Repeat password: ") != password)
        {
            throw new ArgumentException("the passwords do not match");
        }
        return password;

        static string Prompt(string text)
        {
            Console.Error.Write(text);
            var buffer = new System.Text.StringBuilder();
            while (true)
            {
                ConsoleKeyInfo key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter)
                {
                    Console.Error.WriteLine();
                    return buffer.ToString();
                }
                if (key.Key == ConsoleKey.Backspace)
                {
                    if (buffer.Length > 0)
                    {
                        buffer.Length--;
                    }
                }
                else
                {
                    buffer.Append(key.KeyChar);
                }
            }
        }
    }

    private static async Task<int> SubmitWithPersonalkey(ParseResult parse, ExtrinsicCall call, CancellationToken token)
    {
        byte[] key = Store(parse).UnlockPersonalkey(parse.GetValue(WalletOption)!, ReadPassword(parse));
        try
        {
            return await WithNodeCode(parse, client => SubmitAndReport(parse, client, call, key, token));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }

    private static async Task<int> SubmitAndReport(ParseResult parse, LedgerRpcClient client, ExtrinsicCall call, byte[] key, CancellationToken token)
    {
        Hash32 hash = await client.SubmitAsync(call, key, token);
        if (parse.GetValue(NoWaitOption))
        {
            Print(parse, new JsonObject { ["hash"] = hash.ToString(), ["status"] = "pending" }, () => Console.WriteLine($"submitted {call.Name} {hash}"));
            return ExitCodes.Success;
        }
        JsonNode status = await client.WaitForInclusionAsync(hash, TimeSpan.FromSeconds(120), token);
        status["hash"] = hash.ToString();
        bool success = status["success"]!.GetValue<bool>();
        Print(parse, status, () => Console.WriteLine(success
            ? $"{call.Name}: included in block {status["height"]} ({hash})"
            : $"{call.Name}: included in block {status["height"]} but failed: {status["error"]} ({hash})"));
        return success ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static Task<int> WithNode(ParseResult parse, Func<LedgerRpcClient, Task> action) =>
        WithNodeCode(parse, async client =>
        {
            await action(client);
            return ExitCodes.Success;
        });

    private static async Task<int> WithNodeCode(ParseResult parse, Func<LedgerRpcClient, Task<int>> action)
    {
        string url = parse.GetValue(NodeOption)!;
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? endpoint))
        {
            throw new ArgumentException($"--node '{url}' is not an absolute URL");
        }
        using var client = new LedgerRpcClient(endpoint);
        try
        {
            return await action(client);
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"error: cannot reach the node at {endpoint} ({e.Message}); start one with `basedai node run --dev --data-dir DIR`");
            return ExitCodes.Unavailable;
        }
        catch (LedgerRpcException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return e.Code is -32602 or -32000 ? ExitCodes.InvalidInput : ExitCodes.Failure;
        }
    }

    private static void Print(ParseResult parse, JsonNode json, Action table)
    {
        if (parse.GetValue(JsonOption))
        {
            Console.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            table();
        }
    }

    private static string Based(JsonNode? rao) => rao is null ? "-" : Units.FormatBased(rao.GetValue<ulong>());

    private static string Ratio(JsonNode? u16) => u16 is null ? "-" : (u16.GetValue<int>() / 65535.0).ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static ushort ParsePercentBps(string text)
    {
        if (!decimal.TryParse(text.TrimEnd('%'), NumberStyles.Number, CultureInfo.InvariantCulture, out decimal percent) || percent < 0 || percent > 100)
        {
            throw new FormatException($"'{text}' is not a percentage from 0 to 100");
        }
        return (ushort)Math.Round(percent * 100);
    }

    private static ushort[] ParseU16List(string text, string option) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => ushort.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out ushort value)
                ? value : throw new FormatException($"{option}: '{part}' is not an integer from 0 to 65535"))
            .ToArray();

    private static SetBrainHyperparameterCall ParseHyperparameter(ushort brain, string pair)
    {
        string[] parts = pair.Split('=', 2);
        if (parts.Length != 2 || !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
        {
            throw new FormatException($"--hyperparameter '{pair}' is not NAME=INTEGER");
        }
        string name = parts[0].Replace("_", "", StringComparison.Ordinal);
        return Enum.TryParse(name, ignoreCase: true, out BrainHyperparameter parameter) && Enum.IsDefined(parameter)
            ? new SetBrainHyperparameterCall(brain, parameter, value)
            : throw new FormatException($"--hyperparameter: unknown name '{parts[0]}'");
    }

    private static (BlockProduction, TimeSpan) ParseBlockTime(string text) => text switch
    {
        "instant" => (BlockProduction.Instant, TimeSpan.Zero),
        "manual" => (BlockProduction.Manual, TimeSpan.Zero),
        _ when text.EndsWith("ms", StringComparison.Ordinal) && double.TryParse(text[..^2], NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) && ms > 0
            => (BlockProduction.Interval, TimeSpan.FromMilliseconds(ms)),
        _ when double.TryParse(text.TrimEnd('s'), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0
            => (BlockProduction.Interval, TimeSpan.FromSeconds(seconds)),
        _ => throw new FormatException($"--block-time '{text}' is not a duration (10s, 500ms), 'instant' or 'manual'"),
    };

    private static (EthereumAddress, ulong, ulong) ParseEndowment(string text)
    {
        string[] parts = text.Split('=', 2);
        if (parts.Length != 2)
        {
            throw new FormatException($"--endow '{text}' is not ADDRESS=BASED[:PEPECOIN]");
        }
        string[] amounts = parts[1].Split(':', 2);
        return (EthereumAddress.Parse(parts[0]), Units.ParseAmount(amounts[0]), amounts.Length > 1 ? Units.ParseAmount(amounts[1], "Pepecoin") : 0);
    }
}
