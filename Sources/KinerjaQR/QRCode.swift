/// A QR code (ISO/IEC 18004) for a short text such as a public feedback link: byte mode, error correction level M
/// (15 % of the code may be damaged), versions 1 to 10 (up to 213 bytes), the mask with the lowest penalty.
/// Written for Kinerja (no QR library is in the package mirror); laid out as Project Nayuki's reference does.
public struct QRCode: Sendable, Equatable {
    public let version: Int
    public let size: Int
    /// Row-major, true = dark.
    public let modules: [Bool]
    public let mask: Int

    public struct TooLong: Error, Sendable, CustomStringConvertible {
        public let bytes: Int
        public var description: String { "\(bytes) bytes is too long for a QR code of version 10 at level M (at most 213)" }
    }

    /// Raw codewords per version 1…10, and level M's error correction codewords per block and block count.
    static let rawCodewords = [0, 26, 44, 70, 100, 134, 172, 196, 242, 292, 346]
    static let eccPerBlock = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26]
    static let blocks = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5]
    static let alignment: [[Int]] = [
        [], [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
    ]

    public init(_ text: String, mask forcedMask: Int? = nil) throws(TooLong) {
        let bytes = Array(text.utf8)
        var chosen = 0
        for v in 1...10 {
            let capacityBits = (Self.rawCodewords[v] - Self.eccPerBlock[v] * Self.blocks[v]) * 8
            if 4 + (v < 10 ? 8 : 16) + bytes.count * 8 <= capacityBits {
                chosen = v
                break
            }
        }
        guard chosen > 0 else { throw TooLong(bytes: bytes.count) }
        let version = chosen
        let data = Self.codewords(bytes, version: version)
        var best: (penalty: Int, mask: Int, modules: [Bool])?
        for m in forcedMask.map({ [$0] }) ?? Array(0..<8) {
            var grid = Grid(version: version)
            grid.drawFunctionPatterns()
            grid.drawCodewords(data)
            grid.applyMask(m)
            grid.drawFormatBits(mask: m)
            let p = grid.penalty()
            if best == nil || p < best!.penalty { best = (p, m, grid.modules) }
        }
        self.version = version
        self.size = 17 + 4 * version
        self.mask = best!.mask
        self.modules = best!.modules
    }

    public func isDark(row: Int, column: Int) -> Bool {
        guard (0..<size).contains(row), (0..<size).contains(column) else { return false }
        return modules[row * size + column]
    }

    /// An SVG image: `scale` pixels per module, a quiet zone of four modules.
    public func svg(scale: Int = 8) -> String {
        let total = (size + 8) * scale
        var path = ""
        for r in 0..<size {
            for c in 0..<size where isDark(row: r, column: c) { path += "M\(c + 4),\(r + 4)h1v1h-1z" }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(total)" height="\(total)" viewBox="0 0 \(size + 8) \(size + 8)" shape-rendering="crispEdges">\
            <rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="\(path)"/></svg>

            """
    }

    /// One line of text per row (`#` dark, `.` light), without the quiet zone.
    public var text: String {
        (0..<size).map { r in String((0..<size).map { isDark(row: r, column: $0) ? "#" : "." }) }.joined(separator: "\n")
    }

    // MARK: Data and error correction

    static func codewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) { for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) } }
        append(0b0100, 4)
        append(bytes.count, version < 10 ? 8 : 16)
        for b in bytes { append(Int(b), 8) }
        let dataCodewords = rawCodewords[version] - eccPerBlock[version] * blocks[version]
        let capacity = dataCodewords * 8
        append(0, min(4, capacity - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var data: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { i in (0..<8).reduce(UInt8(0)) { $0 << 1 | (bits[i + $1] ? 1 : 0) } }
        var pad: UInt8 = 0xEC
        while data.count < dataCodewords {
            data.append(pad)
            pad ^= 0xEC ^ 0x11
        }
        // Blocks: the short ones first, the long ones one data codeword longer.
        let count = blocks[version]
        let ecc = eccPerBlock[version]
        let raw = rawCodewords[version]
        let shortBlocks = count - raw % count
        let shortLength = raw / count
        var split: [[UInt8]] = []
        var k = 0
        let divisor = reedSolomonDivisor(ecc)
        for i in 0..<count {
            let length = shortLength - ecc + (i < shortBlocks ? 0 : 1)
            let block = Array(data[k..<(k + length)])
            k += length
            var whole = block + reedSolomonRemainder(block, divisor)
            // A placeholder keeps every block the same length while interleaving; it is never written.
            if i < shortBlocks { whole.insert(0, at: shortLength - ecc) }
            split.append(whole)
        }
        var out: [UInt8] = []
        for i in 0..<split[0].count {
            for (j, block) in split.enumerated() where i != shortLength - ecc || j >= shortBlocks { out.append(block[i]) }
        }
        return out
    }

    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for i in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= Int((y >> i) & 1) * Int(x)
        }
        return UInt8(z & 0xFF)
    }

    static func reedSolomonDivisor(_ degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                result[j] = multiply(result[j], root)
                if j + 1 < degree { result[j] ^= result[j + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func reedSolomonRemainder(_ data: [UInt8], _ divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for b in data {
            let factor = b ^ result.removeFirst()
            result.append(0)
            for i in 0..<divisor.count { result[i] ^= multiply(divisor[i], factor) }
        }
        return result
    }

    // MARK: The grid

    struct Grid {
        let version: Int
        let size: Int
        var modules: [Bool]
        var function: [Bool]

        init(version: Int) {
            self.version = version
            size = 17 + 4 * version
            modules = Array(repeating: false, count: size * size)
            function = Array(repeating: false, count: size * size)
        }

        mutating func set(_ x: Int, _ y: Int, _ dark: Bool) {
            modules[y * size + x] = dark
            function[y * size + x] = true
        }

        mutating func drawFunctionPatterns() {
            for i in 0..<size {
                set(6, i, i % 2 == 0)
                set(i, 6, i % 2 == 0)
            }
            for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
                for dy in -4...4 {
                    for dx in -4...4 {
                        let (xx, yy) = (x + dx, y + dy)
                        guard (0..<size).contains(xx), (0..<size).contains(yy) else { continue }
                        let d = max(abs(dx), abs(dy))
                        set(xx, yy, d != 2 && d != 4)
                    }
                }
            }
            let centers = QRCode.alignment[version]
            for (i, a) in centers.enumerated() {
                for (j, b) in centers.enumerated() {
                    let corner = (i == 0 && j == 0) || (i == 0 && j == centers.count - 1) || (i == centers.count - 1 && j == 0)
                    guard !corner else { continue }
                    for dy in -2...2 { for dx in -2...2 { set(a + dx, b + dy, max(abs(dx), abs(dy)) != 1) } }
                }
            }
            drawFormatBits(mask: 0)  // reserves the areas; drawn again once the mask is chosen
            if version >= 7 {
                var rem = version
                for _ in 0..<12 { rem = (rem << 1) ^ ((rem >> 11) * 0x1F25) }
                let bits = version << 12 | rem
                for i in 0..<18 {
                    let dark = (bits >> i) & 1 == 1
                    let a = size - 11 + i % 3
                    let b = i / 3
                    set(a, b, dark)
                    set(b, a, dark)
                }
            }
        }

        mutating func drawFormatBits(mask: Int) {
            let data = 0 << 3 | mask  // level M is 00
            var rem = data
            for _ in 0..<10 { rem = (rem << 1) ^ ((rem >> 9) * 0x537) }
            let bits = (data << 10 | rem) ^ 0x5412
            func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
            for i in 0...5 { set(8, i, bit(i)) }
            set(8, 7, bit(6))
            set(8, 8, bit(7))
            set(7, 8, bit(8))
            for i in 9..<15 { set(14 - i, 8, bit(i)) }
            for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
            for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
            set(8, size - 8, true)
        }

        mutating func drawCodewords(_ data: [UInt8]) {
            var i = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for vertical in 0..<size {
                    for j in 0..<2 {
                        let x = right - j
                        let upward = (right + 1) & 2 == 0
                        let y = upward ? size - 1 - vertical : vertical
                        if !function[y * size + x] && i < data.count * 8 {
                            modules[y * size + x] = (data[i >> 3] >> (7 - (i & 7))) & 1 == 1
                            i += 1
                        }
                    }
                }
                right -= 2
            }
        }

        mutating func applyMask(_ mask: Int) {
            for y in 0..<size {
                for x in 0..<size where !function[y * size + x] {
                    let invert =
                        switch mask {
                        case 0: (x + y) % 2 == 0
                        case 1: y % 2 == 0
                        case 2: x % 3 == 0
                        case 3: (x + y) % 3 == 0
                        case 4: (x / 3 + y / 2) % 2 == 0
                        case 5: x * y % 2 + x * y % 3 == 0
                        case 6: (x * y % 2 + x * y % 3) % 2 == 0
                        default: ((x + y) % 2 + x * y % 3) % 2 == 0
                        }
                    if invert { modules[y * size + x].toggle() }
                }
            }
        }

        func at(_ x: Int, _ y: Int) -> Bool { modules[y * size + x] }

        /// The standard's four penalty rules (runs, 2×2 blocks, finder-like patterns, balance).
        func penalty() -> Int {
            var result = 0
            for horizontal in [true, false] {
                for a in 0..<size {
                    var run = 0
                    var last = false
                    var line: [Bool] = []
                    for b in 0..<size {
                        let dark = horizontal ? at(b, a) : at(a, b)
                        line.append(dark)
                        if b > 0 && dark == last {
                            run += 1
                        } else {
                            if run >= 5 { result += 3 + run - 5 }
                            run = 1
                            last = dark
                        }
                    }
                    if run >= 5 { result += 3 + run - 5 }
                    let patterns: [[Bool]] = [
                        [true, false, true, true, true, false, true, false, false, false, false],
                        [false, false, false, false, true, false, true, true, true, false, true],
                    ]
                    if size >= 11 {
                        for start in 0...(size - 11) {
                            for p in patterns where (0..<11).allSatisfy({ line[start + $0] == p[$0] }) { result += 40 }
                        }
                    }
                }
            }
            for y in 0..<(size - 1) {
                for x in 0..<(size - 1) {
                    let c = at(x, y)
                    if c == at(x + 1, y) && c == at(x, y + 1) && c == at(x + 1, y + 1) { result += 3 }
                }
            }
            let dark = modules.filter { $0 }.count
            let total = size * size
            let k = (abs(dark * 20 - total * 10) + total - 1) / total - 1
            result += k * 10
            return result
        }
    }
}
