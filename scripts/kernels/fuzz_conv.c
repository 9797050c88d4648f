// Random convolution geometries (1-3 D, groups, strides, dilations, paddings up to the kernel span, few and many
// channels so every path runs: direct, Winograd, row-wise Winograd, per-tap 1-D, depthwise, pointwise, im2col)
// through the fast kernels, 1 or 2 threads, against the naive reference kernels; where a geometry has a prepared
// (inference) form, the forward from a filter prepared at batch 1 as well. Meant to run under AddressSanitizer:
// scripts/kernels/fuzz.sh [iterations] [seed]. Exit status 1 if any case is off by more than 5e-5 of its scale.
#include "gridkernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
static unsigned long long s=88172645463325252ULL;
static unsigned long long nx(){s^=s<<13;s^=s>>7;s^=s<<17;return s;}
static int ri(int a,int b){return a+(int)(nx()%(unsigned)(b-a+1));}
static float*rnd(size_t n){float*p=malloc((n?n:1)*4);for(size_t i=0;i<n;i++)p[i]=(float)(nx()%20001)/20000.0f-0.5f;return p;}
static double maxrel(const float*a,const float*b,size_t n){double e=0,sc=1;for(size_t i=0;i<n;i++){double d=fabs(a[i]-b[i]);if(!(d<=e))e=d;if(fabs(b[i])>sc)sc=fabs(b[i]);}return e/sc;}
int main(int argc,char**argv){
  int iters=argc>1?atoi(argv[1]):300, bad=0, prepared=0, paths[16]={0}; if(argc>2) s=strtoull(argv[2],0,10)*2654435761ULL+1;
  for(int it=0;it<iters;it++){
    int rank=ri(1,3); gk_conv_geom g={0};
    int groups=ri(1,4)==1?ri(1,3):1;
    int kind=ri(0,6);
    int cin=(kind==0?ri(1,4):kind==1?ri(5,40):ri(1,24))*groups, cout=(kind==2?ri(1,4):ri(1,40))*groups;
    if(kind==3){cin=ri(8,40);cout=ri(8,40);groups=1;rank=1;}
    if(kind==4){groups=1;rank=2;cin=ri(5,24);cout=ri(5,24);}
    if(kind==6){groups=1;rank=2;cin=ri(1,16);cout=ri(16,40);}   // 9-wide rows: the row-wise Winograd
    g.batch=ri(1,3);g.cin=cin;g.cout=cout;g.groups=groups;
    for(int d=0;d<3;d++){g.in[d]=1;g.out[d]=1;g.kernel[d]=1;g.stride[d]=1;g.dilation[d]=1;g.pad_lo[d]=0;}
    for(int d=3-rank;d<3;d++){
      int k=ri(1,5), st=ri(1,4)==1?ri(2,3):1, dil=ri(1,4)==1?ri(2,5):1;
      if(kind==4){k=3;st=1;dil=1;}
      if(kind==6){k=d==2?9:ri(1,9);st=1;dil=1;}
      int in = rank==1? ri(8,kind==3?3000:600) : kind==6&&d==2? ri(24,120) : ri(3,rank==2?40:12);
      int span=dil*(k-1); int pl=ri(0,span+1), ph=ri(0,span+1);
      if(kind==3&&ri(0,1)){pl=span;ph=0;}
      int ext=in+pl+ph-span-1; if(ext<0){in+= -ext; ext=0;}
      int out=ext/st+1; ph += (out-1)*st - ext; // make exact: shrink hi pad (may go negative -> fix)
      if(ph<0){ph=0;}
      ext=in+pl+ph-span-1; if(ext<0){it--;goto next;} out=ext/st+1;
      g.in[d]=in;g.out[d]=out;g.kernel[d]=k;g.stride[d]=st;g.dilation[d]=dil;g.pad_lo[d]=pl;
    }
    {
    size_t xs=g.batch*g.cin*g.in[0]*g.in[1]*g.in[2], ys=g.batch*g.cout*g.out[0]*g.out[1]*g.out[2], ws=g.cout*(g.cin/g.groups)*g.kernel[0]*g.kernel[1]*g.kernel[2];
    float*x=rnd(xs),*w=rnd(ws),*b=rnd(g.cout),*dy=rnd(ys);
    float*y0=malloc(ys*4+4),*y1=malloc(ys*4+4),*dx0=malloc(xs*4+4),*dx1=malloc(xs*4+4),*dw0=malloc(ws*4+4),*dw1=malloc(ws*4+4),*db0=malloc(g.cout*4+4),*db1=malloc(g.cout*4+4);
    gk_conv_forward_ref(&g,x,w,b,y0);gk_conv_backward_data_ref(&g,dy,w,dx0);gk_conv_backward_filter_ref(&g,x,dy,dw0,db0);
    gk_set_num_threads(ri(1,2));
    gk_conv_forward(&g,x,w,b,y1);gk_conv_backward_data(&g,dy,w,dx1);gk_conv_backward_filter(&g,x,dy,dw1,db1);
    gk_set_num_threads(1);
    double e[5]={maxrel(y1,y0,ys),maxrel(dx1,dx0,xs),maxrel(dw1,dw0,ws),maxrel(db1,db0,g.cout),0};
    gk_conv_geom g1=g; g1.batch=1;
    int64_t np=gk_conv_prepared_floats(&g1);
    paths[gk_conv_path(&g,0)&15]++;
    if(np>0){   // prepared once (at batch 1), run on the whole batch
      prepared++;
      float*u=malloc((size_t)np*4);
      gk_conv_prepare(&g1,w,u);
      gk_set_num_threads(ri(1,2));
      gk_conv_forward_prepared(&g,x,w,u,b,NULL,0,y1);
      gk_set_num_threads(1);
      e[4]=maxrel(y1,y0,ys); free(u);
    }
    double tol=kind==6?1e-4:5e-5;   // the row-wise Winograd filter gradient: 1-2.5e-5 of max |dw| (rowwino_bwf.c)
    if(!(e[0]<=tol&&e[1]<=tol&&e[2]<=tol&&e[3]<=tol&&e[4]<=tol)){bad++;
      printf("BAD it%d N%ld %ld->%ld g%ld in %ldx%ldx%ld k %ldx%ldx%ld s %ld,%ld,%ld d %ld,%ld,%ld pl %ld,%ld,%ld paths %d/%d/%d err %.2e %.2e %.2e %.2e prepared %.2e\n",it,g.batch,g.cin,g.cout,g.groups,g.in[0],g.in[1],g.in[2],g.kernel[0],g.kernel[1],g.kernel[2],g.stride[0],g.stride[1],g.stride[2],g.dilation[0],g.dilation[1],g.dilation[2],g.pad_lo[0],g.pad_lo[1],g.pad_lo[2],gk_conv_path(&g,0),gk_conv_path(&g,1),gk_conv_path(&g,2),e[0],e[1],e[2],e[3],e[4]);}
    free(x);free(w);free(b);free(dy);free(y0);free(y1);free(dx0);free(dx1);free(dw0);free(dw1);free(db0);free(db1);
    }
    next:;
  }
  printf("done, %d bad; forward paths taken:",bad);
  for(int i=0;i<16;i++) if(paths[i]) printf(" %d:%d",i,paths[i]);
  printf("; %d from prepared filters\n",prepared); return bad!=0;
}
