package io.chorus.library;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cover check and re-encoding on its own: sizes, formats, transparency and what is refused. */
class CoversTest {

  static byte[] image(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(img, format, out)).as("a writer for " + format).isTrue();
    return out.toByteArray();
  }

  static BufferedImage read(byte[] bytes) throws IOException {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
    assertThat(img).as("decodable").isNotNull();
    return img;
  }

  @Test
  void aLargeImageIsScaledDownAndThumbnailed() throws Exception {
    Covers.Checked c = Covers.decode(image(new BufferedImage(5000, 3000, BufferedImage.TYPE_BYTE_GRAY), "png"));
    BufferedImage full = read(c.full());
    BufferedImage thumb = read(c.thumb());
    assertThat(Math.max(full.getWidth(), full.getHeight())).isLessThanOrEqualTo(Covers.FULL_PX);
    assertThat((double) full.getWidth() / full.getHeight()).isCloseTo(5000 / 3000.0, org.assertj.core.data.Offset.offset(0.01));
    assertThat(thumb.getWidth()).isEqualTo(Covers.THUMB_PX);
    assertThat(thumb.getHeight()).isEqualTo(90);
    assertThat(c.contentType()).isEqualTo("image/jpeg");
  }

  @Test
  void transparencyStaysPngAndOtherFormatsAreReencoded() throws Exception {
    BufferedImage argb = new BufferedImage(64, 32, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(1, 1, 0x80FF0000);
    Covers.Checked png = Covers.decode(image(argb, "png"));
    assertThat(png.contentType()).isEqualTo("image/png");
    assertThat(read(png.full()).getColorModel().hasAlpha()).isTrue();
    assertThat(read(png.thumb()).getWidth()).isEqualTo(64);   // never scaled up
    Covers.Checked gif = Covers.decode(image(new BufferedImage(40, 40, BufferedImage.TYPE_BYTE_INDEXED), "gif"));
    assertThat(read(gif.full()).getWidth()).isEqualTo(40);
    Covers.Checked bmp = Covers.decode(image(new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB), "bmp"));
    assertThat(bmp.contentType()).isEqualTo("image/jpeg");
  }

  @Test
  void nonImagesAndOversizedDimensionsAre415() throws Exception {
    assertThatThrownBy(() -> Covers.decode("<svg onload=alert(1)>".getBytes())).isInstanceOf(ChorusException.class)
        .satisfies(e -> assertThat(((ChorusException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE));
    assertThatThrownBy(() -> Covers.decode(AlbumsRestTest.pngHeader(Covers.MAX_SIDE + 1, 10))).isInstanceOf(ChorusException.class)
        .hasMessageContaining("pixels a side")
        .satisfies(e -> assertThat(((ChorusException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE));
    byte[] jpg = image(new BufferedImage(300, 300, BufferedImage.TYPE_INT_RGB), "jpeg");
    assertThatThrownBy(() -> Covers.decode(java.util.Arrays.copyOf(jpg, jpg.length / 3))).isInstanceOf(ChorusException.class)
        .satisfies(e -> assertThat(((ChorusException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE));
  }
}
