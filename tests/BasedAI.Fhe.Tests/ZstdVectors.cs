namespace BasedAI.Fhe.Tests;

/// <summary>Frames produced by the reference zstd 1.5.4 CLI from inputs the tests regenerate.</summary>
internal static class ZstdVectors
{
    // zstd -19 --check: Huffman-coded literals, FSE sequences, content checksum.
    public const string Text =
        "KLUv/WR3FdUVANIFERGwuQFkmyxTmu1CGPYkSSijwL2Kzi0Zb1IPchzesmVHrqK4l+SjV1f+OAmu19sk6rkrAvTGXj6UNIUtZzb7MAbmx04CgT" +
        "KokQcFKSpUmgMhCAFCcSCkGHsiIAwCFgGEQARQAUaAQQWOgBUQRJKQBBGHDkMnM4I2U/MUrg1E0QVvvzROtvYxom9lTPkXom7hcNV+MkwuDDSF" +
        "7trTc/kksCvzqfQstENEMRqpKQkkWbVPHD4uHKleRFWTdT5poQSQ1RizVuSlgs8ERrUgNgzVMvxeORmlmFHWkpnPikYXaMeSFSh7g/xyW3cHxe" +
        "rxZ7BSd2wdFf6pIHcnYskvpOzF2hA8k3RRBShV51FSVLVOuk+lcZF7iJ6PyKxfQKt6kCeAViGhzrLmPQ5Jqkxv10EbpW0/SLK5aAG5v1pp/JzM" +
        "UqKtegUI1997SB75lErR441SawWX6NFAmqV94O6vqwdAUUdRiUBT6SGNHs5JmSnQnUIGN/KCuCz7LHVcLtE8aTe2hFIl/XDOvpAVMHNkL3KDqG" +
        "sUC77d351FLCKZfVT09gIS9QrSkhcD+e74UQbSUcmy0vslFLAQTVtBw8QrwqNyIaEE2ZBVkTw4xi+SdNLUdBkKuTiRCjIypqcPkog/OBzEA+Rk" +
        "tMwec0sNS2ePRS++LEZxqiOsKRA+uVLBHCgrtEkHBhLXcUaHiQIVRZifyuV2iPCVrptXboqF/8MIblab9njK9EVEMMF4Rq3WFHm/7qUfdeyYKz" +
        "qCQacqlEUVjE4Mpm6Kork9yiYeR3i0vxNsWvQOV32bIbns5UFJVZ2uxPDMSPGSMZqjGkTAADMZ0ql5BDIxedmo7Cu8YIQUL7s23V+iFFxA4Nn/" +
        "o8BhwTBlGHwQj8MKdlF2gkvUzPnH5it9jSnfjBNnz3bAQ/7wPGE8GltMBeOXaaAGsBi8pw==";

    // zstd -3: 512 little-endian 40-bit words, like a SEAL limb modulo a 40-bit prime.
    public const string Words =
        "KLUv/WQADz1iAOqvpCczEBiu2ww60uCBFrQP+r3udHKAjk7XZNBiY0TogwiDYOyloKYTckZMX+8Rh5ghWSSFiXJSMQJcAoUCkqywHX67QlMitP" +
        "+Qo0zLID9TFzoRRf4OHzTPWJHNEbP5I0A51+DqX71FgiyTFkIP85+CJI0XvwhLujb+QVMoO0xXIT2jtE1qYk1RjFp+LEVAXIk/lwZIhyDwv4ma" +
        "S2oddYoiuPeKafg3QEOSgBtXjhVX4hAQ5+i1VKTw72Upc0X9U4kU+MlBcMVwxwyqEJQwlj4fdvD5Ff4oCm/Dmv4RX0ayqR+PD47L7IeAxCYL+h" +
        "9o9aTB40Pld80Po/XL0IhfLjPIFis/DqzM1sK1EDS4fiOesGTe/K5wZViBeldKJfwF8AVpu/wJRTOQ8PuBuuTi9dAMJURjK0Jy7q/yKoWAoHg3" +
        "QYqbBsra38YPxNYWv5KHrqCL//ICXqKQfwEjTyQAfyWiiZekf2OFsjJvfwNEd2iZVGK50PyLZhJofQCceir7IxxC4irwxzgjU4aFD+yYxx/BEh" +
        "tbSPw4ZHs+MPnXvpBKob8XJaRWmI9SEGR/EwK4EbP6NzhZYxXmt2q7Uebf8Mugqoo/rG8Kn+IvxtJKy9Yv1KUHS93fCYenyvl7mt158fFTESmZ" +
        "YfsjMgmLi/GnfdZ2vzZPsUj9s1+gsJL8AlimtsDxa0ii4CbDz4aHG1wnfwBPcrak/CIc5HlB+6VAflWf/FCLa0TO/iUYhmgw/XDfTp+nX7IxDF" +
        "btx6VS3YLiH9OBQ4OY3y1pSJkrf9INQB+wfwsqh6jlzyVqABLe3/rAy+b5z1mcMGTJL6SEBsqgf2AWLk+rS2swf/5PKGp2RtZUsCWx7TIYfCIG" +
        "FmIslkMJBjq1mn5G+ED4tQxJ4b0CRGqNdGJTXPq9vIFpgrlwTI1/2RikqwZlQ2dqubzJwjryJtHp94F8IvM6Pa39/PnAHeay8n393TietlSukE" +
        "ztMJHVAcowCsXnv2a1U/LHf+ES902cy9VXGkioawYkHUkwfOu7IJnLRiOFIehfEk0bJ5o2eJhU8u8EMKlG769TJOQCUfUOADZpHbrfzyY9uP+U" +
        "j0+mxls1OLf/UQgneY4HIovoYPBBi8i/maqkBomSIDgEP5qQ69fkX/TF4LkFyeBo288XBYKZ799EjwMUtx/2yEoSjTPyc0xjp6LXDs2bTCcDvH" +
        "r5T9C68anBcNvV879hMUm1/RNQwOfkq+cJjAZ/naDUHKTfAYc8K7If1IMMtErAGWLgPBqtWvjVeDjlKP1ntl28ZH7CODwfEry5PKSmX2NnWmqP" +
        "sATh7KLyaPL6mbSAlqSfCAaz2zgZSR7M/ZMUds5OQbTGKP0roAUhUeBH69+O/+rRMFLwNzNKtIOBulfGHimnLA5+rAd1Suh+OWJya7p+GWSClJ" +
        "jQxY2VQAYJbMY/GFpUduZ3OkREqnvSgyTiR7I7MAv7DyDXePn3053wMuD1c8ql439RZuGK9Q81YnswN3qWpvXfULD0aeVXrCqcU/PnOOMStuCn" +
        "YHbhVsbvYpIoAdDPYkUZ5VqExzRmCJLIRv2UTItvPX4vXKoXh1/2UEN3KCiClSK5FuTMjvxAVviHaMGwlqJe+ciqMLh3+vPEweMy+EvRAAVjDU" +
        "I0fwylhT36TtT+gPE0QlXkD0OlVexramS2+Ms24qA6NNwsvYEJJtUgDMiNhhpqGCeNUPlq4dT9YOw6Vq6YDWXt6qqc+9dybOCUQsRGytfLAwci" +
        "AMtMONI2NpTjb+FWRKvgVxM226ZtytYXVya2intpXA/b/ImNTUUKRij64P2iatCSkgiQoUA3jvaAqBlnWM+tUIP99QIFABH0o4MUENudEUZmbl" +
        "eRrCGbPUH3qmRqdcAIV422G78jLSKPSyi4P8m/RxpW3psqjxRNXEyQyaJ6MQaNbbqK/qVfVKc82kiXjNzEAh35R5QQEgJIBpGQBz9Y1VPjVwsP" +
        "SZkAlFrgsPMHWHhr4Zx3lSex8oWDxx9TxhTW0b/KUxkgomM7LMDmsogo/i5gFKA46V0U86PL1M72cifz7u9ip6j0lKWEoyRlk1QWaVEoXPl7jC" +
        "hgMLJlGhaKZYzE0S/GUyeXAQSV1bFfylmOIDY/I+CEFm1jm6IStByd2frbJH1pOwObIFdFkjpScxIxwZz5egEk9P9xIRTBdgBXz0sf6JrJXEJL" +
        "M7+PIUFSX3g4KEvgDyuy4DNLqOLdkSJhXdwfx0EK3SGhIE/kv5RGyIHFKZqXQ1Pfv6of8bGSzm71VRPos9JxwQ/RE0rcuUG9AoSIfcWQSaP9U3" +
        "xxcMPzswHJVkWh+lNU48ck9MRJCZT3PwDUw+Bdah/tidoRG4gCt9KAcZHkizfERhAbkEI6H36yDhmokGAbilHln7GkLc2Usq4ryoFITNNfrEsl" +
        "BSMiL1wzVboXgpGBsJyjlmy8UWCNgoN5Y2ihiQZDHyaf128ap7SLNinnV/k/YXJ82yLV8aKI8IajHtMbIkAxIqQoAT8VJFVc18nUau6HzKLsvH" +
        "phQfY5A45WWOXq8f1YJnJP7LAJrbQLctSiYsTmYuoGBG1CuY5ZVGAswZGSEqtBKArTAVBRqHGaD3DRCPhBeN2I7S0xMQ0C65pFSAwwDEQdjVED" +
        "mkrlNkdJpyaImN3SAJ0JEt0OlWls8BCqnRNM4zaJxVgCKXIDADH8RpHQ/VpVbgc6p+QFnrHGwnD8N3FTlZgBNQCVIoFeWJ3S2DEMWMAWef0ZGP" +
        "NIWcv8ZAuQQBjF81tuAnUoAyM3ajqZpworQAQbnlEkdKlYLy/KcmkIHeXji8cFBJd2/hVXkYlY/yyKN8Ce1gU/DDQZtThqI2T6qdTtYUSy1EhR" +
        "XiebK1pelA5/Ol65XTatzFHbUuZTjcp1TRFTMbgiFbESBuESURjO/agyyQALRil1yMaAjtYgC2/SDziifyaaGlHfKpwpNK+yTsfgVDj1YWMss7" +
        "vaN4XTzFabvS62SRw/DdAedEZ/ME8gLdBAlnoyGMviAjzShzsZlLG5pq8SEcs3XdKahJFA/J+QUb0g92exhTkNTTxCI9bJJQVonTEqEPiDPLBR" +
        "daJqJQtMkORh6U8S46JRjlaRva5Bzhs6fsDUqv0c3GiduPkzkBbViHA7m9lgCsXrnqFVbNbblbVvmB0rFjG46O7+GpNafQHICVTQ/Zyi+kzSfB" +
        "DmI+iwDUeDt7T/g5gdVRDQuU2V1ikwIKHALfncufNqoY1zZfIHUrWiqm/KZ8kbHK2OBVs3/qA4aGAl0hVLkSBBPkBUAYuEOq1wVAfVcc3K6Bva" +
        "mMrZMGFMsoDKWf0LQBfbRMqdQSNVmQDxx9VbrpmfEKAcUB01KrxK8dwN2u2Y8KrgSXTIBkGyaoh2y2/Fi/iVCchiDBHj3tfEH+maI4FAqBGYcC" +
        "dOEkVRkCQdIQQJwkAYzMMPEeAfY81WNDuNo4Ff+tvF9vM0GWs7NlYtySwEJ99B+CcyLCC9vW9jE5zPm3hWTdBsZWWz1fXG4nKzgbcTVnX27DyO" +
        "ZUey3XUA2YZV/c5iTcaV6abPtMV27A7bQWKK2FHPORPa+JI1uDarYgYcmLA73GP1Rjt8hcYs2tQm0EPLK/hL+RoaJmCWhlvgO6LvqZytrFRNqW" +
        "CdWeaIfQDZMUatscdVHwIfS+oiTHBTwgbfz/DM3jZ6Hw4erK5LrDX2xLJmoJ64r8Am5bUZ77nu1mk101Zky84YvBY/xrgtschrPGU1W9USfD8c" +
        "P+OWuXT8j6yUU9RYtLgeaUmb0+/B7PR+vEjecHgajsTdcC57Z+qTzE34Razxf5I+EhlyZuJF11vzXM/C77AqL8TNguVgrG1XF8ppn7WflKWdfe" +
        "08Lr6pR4xj0+mEzH5AcV8Yl3ZnVYql2EJrUDm3n0eXbGb28xUco2U5q10NLejysugzAVuwtUNwWMlAjiHN3srk28og0qUxEjMlH/tlZ+OIVp6x" +
        "txHDe/kZzcfQOt5E9uBhfv64x4vgff/9jJdMT5d+ytejveIOhjniaHETZ+Yht0EO3jzxkEloAzsXL2WfM+bbPHa24ryiJ8ESag3kOZ0M5fNumM" +
        "O89x6wP43uOfgJ07e3HsWEIe53u6m/9khvN9asrwXo3cEG96hlbud5VDxPz+6Xnu2LLKMzQmk/ZHUeadvrdez02cVWN/u9gQtOPa5zvZ5BHOon" +
        "2c62y/xi9vGkjZaWy0wljVqrAqqwIw==";

    // zstd -19 --check: 300,000 bytes, three blocks, long repeat matches.
    public const string Big19 =
        "KLUv/aTgkwQADDIAlEaF2GusmJb3phkSLd9AC/UVroDhpxXusTunRqISQLB7JlICVQmU/y18alAr0hNCrwOURSGPaCB1GOT1gb5s+f46WO9gua" +
        "RpVn5Zvh82v8qTGkBo7McasFndzPFBWT5tV7Ou12K3X43KJACW4QbdWvfTxyMcSMRXswF3crvbTsbdCm3yNfleJOHkdQ5KNwSpNaZErIgJ/svd" +
        "/fywyDszuui2rXiwdzjk8znRXzHDznCjCc08CAJfxS5IdeM/cYYC0S+Goasqh4ZYmCvBbqLRaJt3ewx0LIH9/lr3Qvh231fu7g+k/wnhwml7nG" +
        "3Zy6VHdWVlUqV++SulrJ0HzEHWb5lrYbuCDN5QfVo8mUs25MaHTqVHcvFiB3u1fWmRywIDKR2THQ4sGOjsrCN+mtwknSqnUCOzfFJJ2e6wnyEL" +
        "/Mv2fL8BemElQQ7paFSgtf2Et+qBHkAYYqgWzk3jU/lbf1kB+6Geop0VO4okUzS3CTOFj05w8bwq3orObmv/jrjXqCNfM1PnGhvMB26zLtzeYu" +
        "wN0FGeYUGijWUocP3Bq4s9WgXwbykyChjWX6tmHBTJRdwf+SD+QKt3C5YrJYvMU28gAxHMX36cdnEPdbVuRSDmdVKfTou+s6E5ztJQ5LLnlupx" +
        "zEGBlYhBUJZI8ssHHilPgn0AAVVwYWbpnlXC9v4KMmlapogQhc7qC1v0KfN9ZeLHyg5Xm5wRC//HDB8wUiNvAfPTbIdMdriH6JaDoPTyqDm9UI" +
        "Yo7QifJ4VN8/eaOhpSz6EkkpaSMSImrc+oOigW75CfhZYdmJt6EPA15I2mqnMm5qjIGXnN80wSBaEJX6YBedJNe+IsdhCgzt2P5b+YfTB88cKO" +
        "gwUTk54dIxfwz4mxwdVw9QmoAG2+5JBY3VuIJTr2F60IUJo0KBHHHjIKnXFEFQwOjapjr5dCfp9YbKs8+LBhLmEnn2WI1iXUfc9W7zMG6OUQ9F" +
        "GdNO3xc4lCAK+PFjbJ5AE8X5Zm1fIplMxkZ5+cMur94nFq4IOKx1WdtdUhLjbrVoZaKrluMI7TFgi22b+tcz0tYhIQyp1qHpqFpMjjLc2fmI4d" +
        "xYlGBQRNE/qr6w4ELUunBXdfZMoUEFnTA+tm4lSIM0aFvuzknoi9Cg62DfREU3oaDdmXP7AXZzrL3pmD7G+Bfe6k2oUa4T6++bhhm/peESnJ0u" +
        "4iacfpshdWfQbfZbCa+9TIP+5uzu9lisRRyISlCqPgIcm4NxUR4OnMxaaB+HWh5m5rlUeldEjE7W4m3W+WlJvojhSAJDEdMD0XuNyR59pyhF+F" +
        "hvoknf6TS4uApaOTnfrI9rpO6cfCn7WfuBirvDnwPAcjNPCd9cwHQ1ZoOEBZp9GtXb/MEU1Dpg352qnOTqV9ECIJsGZnrfOadGDjyimt/h+y1Z" +
        "3IAqj/NlXH41qtydZr2BIrPum63EmBMBSpwxI6xq8JUU+zW19VGfemPTTJXljk+sjLXPdBnL3xLZhzmWLR7tbpgI45xf55gQSoAfr9/zfRujxS" +
        "UMgBEkAQ+BUE/gQBBYGCIGEQBGJAbvgDBQ3WpF/2/IwDTHx9o3k5C7SZd7bg4qLX0hu0URFfyVMlFPCkDsATOh/M3aZYpsTQKCza1t7SIjRUps" +
        "cGDcgWrggX0yZ2gmUTWc60jYObNgOjrSmtopIyhTCbf6xGmnoKADIyXa24pf/Y4WxPYOEpJM7xOi2aZAthUajVoC3tjmcFah0sFJ7MdByDpFvV" +
        "KHTbTwZRddCjGPmHJZQ3XSOQWpMajKGVmcDboqZWt+iIYlSJYbmEAIyWrUMP6xGpYB4VGONmUh/CCz5fz1leBuqSjCH3rtCDG6b8rp4eJmLPhc" +
        "/WJgRlXvz8fkHvO+MbO0axE10ZpdjscPtM+PogQB93JpQnPWXDJOhFXroDTiDAEjrGed26sECjtGb4KxQ5xnajYeMGfC1hoCb63ph7Zn9cr0UF" +
        "7UkH3OiDvIfxHYjkG2CUZ1T24xRDqkImGGld1F1i3Tt2DfoY9l0EYN7w+gFIOha9Dci83tvOEIGZGWraib/2CY8FNWY9Ag4agMxsxRGh1cJcQq" +
        "UNNzI1m92hrCjW+FEvi5AADQdVvgnkpH7dBHDV3bwubeRyKzxvdMzyU9AbpyqsEgBECO+HlyHqb/4uC9scngW99cW74XUI373J84WPJY1+hZmG" +
        "ILLHH1eNNneqwgEJAAacC+G+f4nuMGfhXP/uaia0TRG/FOyX+/+XQfmaCbbEkZfAdhK4wpJhIZhct0qe7CkCrL9d57KDyHnO3EKFgOuVr5PVTu" +
        "ndO1e1MLpK9GljTHlfqNT4V4EM6LHufmQ5EvgRBP5HEEAQGEGQQBCGQYjE9AOXVDauUfgjdvU+mTnJFipCrTFt42PuA1r7kGZambi5wdqnqQup" +
        "Mi9lB7n7gGCK9pISi5L6SFi1eRSi0iyNkfBSMJBaoFGqEArnIVYKsk6NWCw0yK9ACEyl3CXYKqhb1WihAp4mHMNf25wQHtL8p7XbEt/zJ7yE+R" +
        "eBM7YFA92WYCwlGZuaTHj1SCScMB/k6uK/N8MzH8dQrAicF6MK4dtgdtTzmhC/qC3ZnziuIgjd4SBg/y4FoFA2zYvgB7nnACss83R6/NjyGhxa" +
        "44EB0Bfs1a/GNV9KRhbNMKubnuEdqTMGetrOdX/vQ1wTG3wh+hjOBt1K+oSD7OqFl8aI5hinoHKnCb3df7JDhyHsdEy3EmRHgeoGUSdRgPzY/a" +
        "pNDlOE+/XuMmfMRbehY+x94UN6n74jX5zS5sCBEKlvUykwpDdmqN1pBI5GwlfSTEUJSgd7pSzE4CADTof146Kg1bsm7LtVnRJta8Gkg+ktQod0" +
        "003Vx3mWJgzk8YPDg38queog8Aii1hGmpIfItYhnqj6onQh1WNmT2s6GjBmSFPsLqLUqraqUkwGME4sBspG9Pe9SIALFBQBkAltYsPMe9lWD/t" +
        "IFa/38E24+iVKLqKm1OrKA+MwYcBOaOqg83POrUOgxd7/mEngHgf9/BkGDYBJO/tdAhwDqBhgC2CwDMuAYk2IMwKCszimAWdPjt21IfkajbYDT" +
        "216kZPkkrGuyIURAAZg82JBxCiiJ7aCu+r+PVPuFXHLSQyFXVqsWMsyTdFyLepSWZkxtH7/why/3rsEhIymEBK2JZAMREYrRRVjBUjA4OQaeAQ" +
        "N6JbdSe3Mj5uhPLA==";

    // zstd -1: the same 300,000 bytes.
    public const string Big1 =
        "KLUv/aTgkwQAxDIAlE6F2GusmJb3phkSLd9AC/UVroDhpxXusTunRqISQLB7JlICVQmU/y18alAr0hNCrwOURSGPaCB1GOT1gb5s+f46WO9gua" +
        "RpVn5Zvh82v8qTGkBo7McasFndzPFBWT5tV7Ou12K3X43KJACW4QbdWvfTxyMcSMRXswF3crvbTsbdCm3yNfleJOHkdQ5KNwSpNaZErIgJ/svd" +
        "/fywyDszuui2rXiwdzjk8znRXzHDznCjCc08CAJfxS5IdeM/cYYC0S+Goasqh4ZYmCvBbqLRaJt3ewx0LIH9/lr3Qvh231fu7g+k/wnhwml7nG" +
        "3Zy6VHdWVlUqV++SulrJ0HzEHWb5lrYbuCDN5QfVo8mUs25MaHTqVHcvFiB3u1fWmRywIDKR2THQ4sGOjsrCN+mtwknSqnUCOzfFJJ2e6wnyEL" +
        "/Mv2fL8BemElQQ7paFSgtf2Et+qBHkAYYqgWzk3jU/lbf1kB+6Geop0VO4okUzS3CTOFj05w8bwq3orObmv/jrjXqCNfM1PnGhvMB26zLtzeYu" +
        "wN0FGeYUGijWUocP3Bq4s9WgXwbykyChjWX6tmHBTJRdwf+SD+QKt3C5YrJYvMU28gAxHMX36cdnEPdbVuRSDmdVKfTou+s6E5ztJQ5LLnlupx" +
        "zEGBlYhBUJZI8ssHHilPgn0AAVVwYWbpnlXC9v4KMmlapogQhc7qC1v0KfN9ZeLHyg5Xm5wRC//HDB8wUiNvAfPTbIdMdriH6JaDoPTyqDm9UI" +
        "Yo7QifJ4VN8/eaOhpSz6EkkpaSMSImrc+oOigW75CfhZYdmJt6EPA15I2mqnMm5qjIGXnN80wSBaEJX6YBedJNe+IsdhCgzt2P5b+YfTB88cKO" +
        "gwUTk54dIxfwz4mxwdVw9QmoAG2+5JBY3VuIJTr2F60IUJo0KBHHHjIKnXFEFQwOjapjr5dCfp9YbKs8+LBhLmEnn2WI1iXUfc9W7zMG6OUQ9F" +
        "GdNO3xc4lCAK+PFjbJ5AE8X5Zm1fIplMxkZ5+cMur94nFq4IOKx1WdtdUhLjbrVoZaKrluMI7TFgi22b+tcz0tYhIQyp1qHpqFpMjjLc2fmI4d" +
        "xYlGBQRNE/qr6w4ELUunBXdfZMoUEFnTA+tm4lSIM0aFvuzknoi9Cg62DfREU3oaDdmXP7AXZzrL3pmD7G+Bfe6k2oUa4T6++bhhm/peESnJ0u" +
        "4iacfpshdWfQbfZbCa+9TIP+5uzu9lisRRyISlCqPgIcm4NxUR4OnMxaaB+HWh5m5rlUeldEjE7W4m3W+WlJvojhSAJDEdMD0XuNyR59pyhF+F" +
        "hvoknf6TS4uApaOTnfrI9rpO6cfCn7WfuBiVq5tmvDnzTvA8GhUHiCM05qzwnY7G9cydegdDGDpWwWivOEBuWd2ny+HRrV+jXXu/zMIRrQxNeU" +
        "OmDm4NwfnaJTupnc5OYqUe130Q6kEiCb7csGbpaGdyrfNGWJp0KjFgoePKjskprQTZ/h+fz7LVmt2dL8ikAqio/7beNotVx7DjUKJaU63JWNbQ" +
        "4WvYSBLUK+k+Ydzp17o63Em/aIGmMBTi5KmzwxLcojrGfWWvCTL+UX1Ps/ZNW19tVXJfGZb35KY9vlI0yRqTXpJY5DoH+sh0y1lcRzb33UGcTv" +
        "i98ZgtHa6Yc6iZn0Bi7tHu72HW6W8SgI6KOXHFi/6T33mBBagR4O//vwHh7xsSSCAIKBgEP0LwIwQJghA0BBSD0Zj8AQ1u5wAI/KXOKASSp7Au" +
        "LQ3SEp5POPrEFeE/SeuUb1bkvEaQ2JvBgNookW70070zPOLne9A6lDhIC1dhgJUGGDq8Ip22wWkWq4mgmrWEb074YuJl5XgHaalHrYPQUk14IY" +
        "qTjbh05YZDbpoDXywwIIcnjVQOSV/C60nzITRNKrx7hz/uMiMW8ZRLvB6uu87HpLcmFbMAE94WT9fWyIB0rUz4IIiciQi5wv8uG15peCdiLAZG" +
        "74kvkph20a2Pnh9AdAFkkuFPB+ZCICB0AWRXGgqfPceyjFgp5LhGjtE0C2Iz6sQlTJFR1hJleI3sUeyexsJLjD3n7T8QPqdo1OVi8dOqDb8Itv" +
        "9st8b26NCL33xEZjgVXvbhY1DPsfQ48Fvvb2fC3AqMk5rqpimYhSdfFo7S8khyk0+udt1NAzeXjIRbeDcOR/kp6H9VFawTAHQQn+8oFYeXgZ0h" +
        "6k74b97+qy5mC9vtvxwFnoYFvZb1k0XF0bvhMfd1CICH372BV8nzS4Vfa49iJY3MfpsjhUqZfoYFILJmYcdiHyRXjYU24kB3OarawgEpCWwjAA" +
        "ZCzpwLBKbhvlDTfzOJ7ooaMGfI8uFcuOT/7gnMaia4tCf5TWMRv1MwFOwwl+b7RUL/8ZdBafmnH5oMCbZrJsSRBZeawJp2fhISuIPCc5Lv0mEh" +
        "MlCYXIF2t0o2Cp7s3LwpUwKshL+kXf2Y5zKyg6XLyJ95zuAj3EhChQGsgOsOlTdKr5jVJU7pE90WWDu2V161MMe6hUoBE/RpiGpjp0x5gM5fqK" +
        "3I1PgaA1eBBpgR4B8AEhiBIKBAIAgQhGAEQRCCEYIRAgRBEAIEYSii8QeXgvFIy47glbUDWqcipiJibmR4BhTEccEYufrlHxYALPC5RHgOwoe4" +
        "tAWDy+tfc4XPW/hR+uAn5YTSNBbwNgEdDL8NvUHYW/Hw4zhjVTOyHL73lijZM865yh2wI4eXwCgKjHwo6p2iavIObt45o6zCyvJH3iF4UWLNXe" +
        "HeNeGtrbwu9C/kLBzv4oDnDmi08B/gt/AVboYIheEPCoa+K9R/mSE5pEuFoxQ5hj9rHdCuI384a1v1AasW/RK/XxJFFUJUU8roqBkZIbz17XCG" +
        "nUcGxemgtHcSSCcNvbtbzKcqEgpfzvDS7usPZFh5aFF40gyv/Xv/vgXDM1f4LoTX7sPPtjQK5U/hPWZMepBSXlTvqoiuOkiLYW3R+Wnc2+Udnh" +
        "fyZl1iSx7VJXzoha9U1UyqbhxeVfhxhd+R9kBpaZlO9On4wXVrdalmRQYA9AQR6ltYuG2w88h7Hva6nVWhg/4B0n1tBcFrQf38JmkTbnElPokB" +
        "UlTsi2GoqRJhtZo6U7KA9pj4zCOgGNBwE9yacyqHhjqoWHA83DfzfKtCTJgQ8GsAEvh/B4F3EDgIIBABRAAh+f6nGqV2izV0EfC7yEkKOcctmN" +
        "sze2gMzyRrnKyZhiSKSg40PIXwmXcweyfC4c/sO3quUwoBmw5p6fi4me+YQUx4p/B2SUqKei+XsKDwGHb5yi7rHYMVMVS5QpYrUjZSlgHm6E8s";
}
