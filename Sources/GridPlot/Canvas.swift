// A Cairo drawing surface in figure units (1 unit = 1 PNG pixel), text in DejaVu Sans through FreeType, and the
// finished figure as PNG (deflate-compressed by Cairo), SVG or PDF bytes, picked by the output file's extension.
import CCairo
import Foundation
import GridIO
import GridTensor

/// What a figure file is written as.
public enum FigureFormat: String, Sendable {
    case png, svg, pdf

    /// The format named by the path's extension; anything else is a one-line error.
    public static func of(_ path: String) throws -> FigureFormat {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        guard let f = FigureFormat(rawValue: ext) else {
            throw GridError("\(path): a figure is written as .png, .svg or .pdf (by the file's extension), not '\(ext.isEmpty ? "no extension" : "." + ext)'", path: path)
        }
        return f
    }
}

/// A colour with red, green and blue in 0...1.
public struct RGB: Equatable, Sendable {
    /// Red, green and blue, each 0...1.
    public var r: Double, g: Double, b: Double
    /// A colour from its three components in 0...1.
    public init(_ r: Double, _ g: Double, _ b: Double) { self.r = r; self.g = g; self.b = b }
    /// Black, white and mid grey.
    public static let black = RGB(0, 0, 0), white = RGB(1, 1, 1), grey = RGB(0.5, 0.5, 0.5)
    /// How missing values (NaN, fill values) are painted on maps.
    public static let missing = RGB(0.78, 0.78, 0.78)
}

/// Horizontal and vertical anchoring of a text at its reference point.
public enum TextAnchor: Sendable { case start, centre, end }
/// Which line of a text sits at its reference point's y.
public enum TextBaseline: Sendable { case top, middle, baseline, bottom }

/// The DejaVu Sans faces, loaded once per process from fonts-dejavu-core (by path, so a figure never silently falls
/// back to another font).
enum Fonts {
    static let directory = "/usr/share/fonts/truetype/dejavu"
    private static let lock = NSLock()
    nonisolated(unsafe) private static var library: FT_Library?
    nonisolated(unsafe) private static var faces = [String: OpaquePointer]()

    /// The Cairo font face of `file` (kept for the life of the process).
    static func face(_ file: String, directory: String = Fonts.directory) throws -> OpaquePointer {
        lock.lock(); defer { lock.unlock() }
        let path = "\(directory)/\(file)"
        if let f = faces[path] { return f }
        guard FileManager.default.fileExists(atPath: path) else {
            throw GridError("figure font \(path) is missing; install Debian fonts-dejavu-core (scripts/setup.sh)", path: path)
        }
        if library == nil {
            var lib: FT_Library?
            guard FT_Init_FreeType(&lib) == 0, let lib else { throw GridError("FreeType could not be initialised for figure text") }
            library = lib
        }
        var ftFace: FT_Face?
        guard FT_New_Face(library, path, 0, &ftFace) == 0, let ftFace else {
            throw GridError("figure font \(path) could not be read by FreeType (damaged file?)", path: path)
        }
        guard let face = cairo_ft_font_face_create_for_ft_face(ftFace, 0) else { throw GridError("Cairo could not use the font \(path)", path: path) }
        faces[path] = face
        return face
    }
}

/// One figure being drawn. Coordinates in figure units, y down.
public final class Canvas {
    /// The figure's size in figure units (PNG pixels at scale 1).
    public let width: Double, height: Double
    /// What the figure is rendered as.
    public let format: FigureFormat
    let surface: OpaquePointer
    let cr: OpaquePointer
    private var output = Data()
    private let regular: OpaquePointer, bold: OpaquePointer

    /// PNGs are drawn at `scale` pixels per unit (2 gives print-quality rasters); SVG/PDF are vector.
    public init(width: Double, height: Double, format: FigureFormat, scale: Double = 1) throws {
        // Whole units, so that the white background covers the last pixel row and column.
        self.width = width.rounded(.up); self.height = height.rounded(.up); self.format = format
        regular = try Fonts.face("DejaVuSans.ttf"); bold = try Fonts.face("DejaVuSans-Bold.ttf")
        switch format {
        case .png:
            surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32((self.width * scale).rounded(.up)), Int32((self.height * scale).rounded(.up)))
        case .svg, .pdf:
            let sink = OutputSink()
            let context = Unmanaged.passRetained(sink).toOpaque()
            surface = format == .svg ? cairo_svg_surface_create_for_stream(OutputSink.write, context, self.width, self.height)
                                     : cairo_pdf_surface_create_for_stream(OutputSink.write, context, self.width, self.height)
            sinkContext = context
        }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw GridError("Cairo could not create a \(Int(width))x\(Int(height)) \(format.rawValue) surface: \(String(cString: cairo_status_to_string(cairo_surface_status(surface))))")
        }
        cr = cairo_create(surface)
        if format == .png { cairo_scale(cr, scale, scale) }
        fill(x: 0, y: 0, width: self.width, height: self.height, RGB.white)
    }

    private var sinkContext: UnsafeMutableRawPointer?

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
        if let sinkContext { Unmanaged<OutputSink>.fromOpaque(sinkContext).release() }
    }

    // MARK: drawing

    /// Sets the colour (and opacity) of what is drawn next.
    public func setColour(_ c: RGB, alpha: Double = 1) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha) }

    /// Fills a rectangle (top-left corner `x`, `y`).
    public func fill(x: Double, y: Double, width w: Double, height h: Double, _ c: RGB) {
        setColour(c); cairo_rectangle(cr, x, y, w, h); cairo_fill(cr)
    }

    /// Outlines a rectangle.
    public func strokeRect(x: Double, y: Double, width w: Double, height h: Double, _ c: RGB, lineWidth: Double = 1) {
        setColour(c); cairo_set_line_width(cr, lineWidth); cairo_rectangle(cr, x, y, w, h); cairo_stroke(cr)
    }

    /// A polyline; `dash` is (on, off) in units.
    public func polyline(_ points: [(Double, Double)], _ c: RGB, lineWidth: Double = 1, dash: (Double, Double)? = nil, alpha: Double = 1) {
        guard points.count >= 2 else { return }
        setColour(c, alpha: alpha)
        cairo_set_line_width(cr, lineWidth)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
        if let (on, off) = dash { var d = [on, off]; cairo_set_dash(cr, &d, 2, 0) } else { cairo_set_dash(cr, nil, 0, 0) }
        cairo_move_to(cr, points[0].0, points[0].1)
        for p in points.dropFirst() { cairo_line_to(cr, p.0, p.1) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    /// A straight line; `dash` is (on, off) in units.
    public func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ c: RGB, lineWidth: Double = 1, dash: (Double, Double)? = nil) {
        polyline([(x0, y0), (x1, y1)], c, lineWidth: lineWidth, dash: dash)
    }

    /// Separate straight segments (x0, y0, x1, y1), stroked at once.
    public func segments(_ s: [(Double, Double, Double, Double)], _ c: RGB, lineWidth: Double = 1) {
        guard !s.isEmpty else { return }
        setColour(c); cairo_set_line_width(cr, lineWidth); cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE)
        for (x0, y0, x1, y1) in s { cairo_move_to(cr, x0, y0); cairo_line_to(cr, x1, y1) }
        cairo_stroke(cr)
    }

    /// A filled circle, optionally outlined.
    public func circle(x: Double, y: Double, radius: Double, fill c: RGB, outline: RGB? = nil) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, x, y, radius, 0, 2 * .pi)
        setColour(c)
        if let outline { cairo_fill_preserve(cr); setColour(outline); cairo_set_line_width(cr, 1); cairo_stroke(cr) } else { cairo_fill(cr) }
    }

    /// Runs `body` with drawing clipped to the rectangle.
    public func clipped(x: Double, y: Double, width w: Double, height h: Double, _ body: () -> Void) {
        cairo_save(cr); cairo_rectangle(cr, x, y, w, h); cairo_clip(cr)
        body()
        cairo_restore(cr)
    }

    /// Paints an RGB raster of `columns` x `rows` pixels (row-major, 0xRRGGBB) into the rectangle, without smoothing.
    public func raster(_ pixels: [UInt32], columns: Int, rows: Int, x: Double, y: Double, width w: Double, height h: Double) {
        let stride = Int(cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, Int32(columns)))
        guard let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(columns), Int32(rows)) else { return }
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        if let data = cairo_image_surface_get_data(image) {
            data.withMemoryRebound(to: UInt32.self, capacity: rows * stride / 4) { p in
                for r in 0..<rows { for c in 0..<columns { p[r * stride / 4 + c] = pixels[r * columns + c] } }
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_scale(cr, w / Double(columns), h / Double(rows))
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(columns), Double(rows))
        cairo_fill(cr)
        cairo_restore(cr)
    }

    // MARK: text

    private func useFont(size: Double, bold isBold: Bool) {
        cairo_set_font_face(cr, isBold ? bold : regular)
        cairo_set_font_size(cr, size)
    }

    /// Width of `text` in units.
    public func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        useFont(size: size, bold: bold)
        var e = cairo_text_extents_t()
        cairo_text_extents(cr, text, &e)
        return e.x_advance
    }

    /// Draws `text` anchored at (x, y); `angle` in degrees (-90: reading upwards).
    public func text(_ text: String, x: Double, y: Double, size: Double = 11, bold: Bool = false, colour: RGB = .black,
                     anchor: TextAnchor = .start, baseline: TextBaseline = .baseline, angle: Double = 0) {
        guard !text.isEmpty else { return }
        useFont(size: size, bold: bold)
        var e = cairo_text_extents_t(), f = cairo_font_extents_t()
        cairo_text_extents(cr, text, &e)
        cairo_font_extents(cr, &f)
        let dx: Double = anchor == .start ? 0 : anchor == .centre ? -e.x_advance / 2 : -e.x_advance
        let dy: Double
        switch baseline {
        case .top: dy = f.ascent
        case .middle: dy = (f.ascent - f.descent) / 2
        case .baseline: dy = 0
        case .bottom: dy = -f.descent
        }
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_rotate(cr, angle * .pi / 180)
        setColour(colour)
        cairo_move_to(cr, dx, dy)
        cairo_show_text(cr, text)
        cairo_restore(cr)
    }

    // MARK: output

    /// The finished file's bytes.
    public func encoded() throws -> Data {
        let status = cairo_status(cr)
        guard status == CAIRO_STATUS_SUCCESS else { throw GridError("drawing the figure failed: \(String(cString: cairo_status_to_string(status)))") }
        switch format {
        case .png:
            cairo_surface_flush(surface)
            let sink = OutputSink()
            let context = Unmanaged.passRetained(sink).toOpaque()
            defer { Unmanaged<OutputSink>.fromOpaque(context).release() }
            let s = cairo_surface_write_to_png_stream(surface, OutputSink.write, context)
            guard s == CAIRO_STATUS_SUCCESS else { throw GridError("encoding the figure as PNG failed: \(String(cString: cairo_status_to_string(s)))") }
            return sink.data
        case .svg, .pdf:
            cairo_surface_finish(surface)
            let s = cairo_surface_status(surface)
            guard s == CAIRO_STATUS_SUCCESS, let sinkContext else {
                throw GridError("encoding the figure as \(format.rawValue.uppercased()) failed: \(String(cString: cairo_status_to_string(s)))")
            }
            return Unmanaged<OutputSink>.fromOpaque(sinkContext).takeUnretainedValue().data
        }
    }

    /// Writes the figure atomically (a temporary file renamed over `path` when complete).
    public func write(to path: String) throws {
        try writeFileAtomically(try encoded(), to: path)
    }
}

/// Collects what Cairo writes through its stream callbacks.
final class OutputSink {
    var data = Data()
    static let write: cairo_write_func_t = { context, bytes, length in
        guard let context, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
        Unmanaged<OutputSink>.fromOpaque(context).takeUnretainedValue().data.append(bytes, count: Int(length))
        return CAIRO_STATUS_SUCCESS
    }
}
